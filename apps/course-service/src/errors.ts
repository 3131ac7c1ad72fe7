/**
 * The course service's error catalogue: every error carries a stable string `code` (check by code, never by
 * message), and the HTTP edge (`@outflow/service-kit`'s app) turns it into RFC 9457 problem JSON.
 */
import {
  type BaseErrorCode,
  baseErrorCatalogue,
  type ErrorCatalogue,
  ServiceError,
} from '@outflow/service-kit';

export { DatabaseUnavailableError, loggableError } from '@outflow/service-kit';

/** Stable codes of the errors the course service raises or reports. */
export type CourseServiceErrorCode = 'COURSE_NOT_FOUND' | BaseErrorCode;

/** HTTP status, title and retriability of every code; the problem `type` is derived from the code. */
export const errorCatalogue: ErrorCatalogue<CourseServiceErrorCode> = {
  COURSE_NOT_FOUND: { status: 404, title: 'Course not found', retriable: false },
  ...baseErrorCatalogue,
};

/** Base of the errors the course service raises (a lost database is the kit's `DatabaseUnavailableError`). */
export class CourseServiceError extends ServiceError<CourseServiceErrorCode> {
  constructor(
    code: CourseServiceErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, { ...options, retriable: errorCatalogue[code].retriable });
    this.name = 'CourseServiceError';
  }
}

/** No course has the given id. */
export class CourseNotFoundError extends CourseServiceError {
  constructor(courseId: string) {
    super('COURSE_NOT_FOUND', `course ${courseId} does not exist`, { details: { courseId } });
    this.name = 'CourseNotFoundError';
  }
}
