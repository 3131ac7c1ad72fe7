/**
 * `@outflow/catalog-service`: a read model of the posted courses, fed from the course service's events
 * (`outbox.event.Course`) through `@outflow/inbox`. `startCatalogService` runs it; `buildApp` builds the HTTP app.
 */
export { type AppDependencies, buildApp, type ConsumerStatus } from './app.ts';
export type { CatalogPage, CatalogRepository } from './catalog/catalog-repository.ts';
export {
  type CatalogCourse,
  type CourseEvents,
  type CourseEventType,
  decide,
  parseCoursePayload,
} from './catalog/course.ts';
export { type CourseProjection, courseProjection } from './catalog/projection.ts';
export { type Config, ConfigError, configOptions, describeConfig, loadConfig, redactUrl } from './config.ts';
export { connectDatabase, ensureDatabaseExists } from './db/connect.ts';
export type { Database, Dialect, Transaction } from './db/database.ts';
export { migrate } from './db/migrate.ts';
export { CatalogServiceError, type CatalogServiceErrorCode } from './errors.ts';
export { type StartedCatalogService, type StartOptions, startCatalogService } from './server.ts';
