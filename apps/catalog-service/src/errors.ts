/**
 * The catalog service's error catalogue: every error carries a stable string `code` (check by code, never by
 * message), and the HTTP edge (`@outflow/service-kit`'s app) turns it into RFC 9457 problem JSON.
 */
import {
  type BaseErrorCode,
  baseErrorCatalogue,
  type ErrorCatalogue,
  ServiceError,
} from '@outflow/service-kit';

export { DatabaseUnavailableError, loggableError } from '@outflow/service-kit';

/** Stable codes of the errors the catalog service raises or reports. */
export type CatalogServiceErrorCode =
  | 'COURSE_NOT_FOUND'
  | 'CONSUMER_STOPPED'
  | 'EVENT_PAYLOAD_INVALID'
  | BaseErrorCode;

/** HTTP status, title and retriability of every code; the problem `type` is derived from the code. */
export const errorCatalogue: ErrorCatalogue<CatalogServiceErrorCode> = {
  COURSE_NOT_FOUND: { status: 404, title: 'Course not found', retriable: false },
  CONSUMER_STOPPED: { status: 503, title: 'Service unavailable', retriable: false },
  EVENT_PAYLOAD_INVALID: { status: 500, title: 'Internal server error', retriable: false },
  ...baseErrorCatalogue,
};

/** Base of the errors the catalog service raises (a lost database is the kit's `DatabaseUnavailableError`). */
export class CatalogServiceError extends ServiceError<CatalogServiceErrorCode> {
  constructor(
    code: CatalogServiceErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, { ...options, retriable: errorCatalogue[code].retriable });
    this.name = 'CatalogServiceError';
  }
}

/** No posted course has the given id. */
export class CourseNotFoundError extends CatalogServiceError {
  constructor(courseId: string) {
    super('COURSE_NOT_FOUND', `course ${courseId} is not in the catalog`, { details: { courseId } });
    this.name = 'CourseNotFoundError';
  }
}
