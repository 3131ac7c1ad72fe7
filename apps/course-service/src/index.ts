/**
 * `@outflow/course-service`: the seed article's course service, writing its events through `@outflow/outbox`.
 * `startCourseService` runs it; `buildApp` builds the HTTP app for tests and embedding.
 */
export { type AppDependencies, buildApp } from './app.ts';
export { type Config, ConfigError, configOptions, describeConfig, loadConfig, redactUrl } from './config.ts';
export type { Course, CourseDraft, CourseEvent, CourseEventType } from './courses/course.ts';
export { connectDatabase, ensureDatabaseExists } from './db/connect.ts';
export type { Database, Dialect, Transaction } from './db/database.ts';
export { migrate } from './db/migrate.ts';
export { CourseServiceError, type CourseServiceErrorCode } from './errors.ts';
export { type StartedCourseService, type StartOptions, startCourseService } from './server.ts';
