/**
 * The catalog service's error catalogue: every error carries a stable string `code` (check by code, never by
 * message), and the HTTP edge turns it into RFC 9457 problem JSON with {@link problem}.
 */
import { STATUS_CODES } from 'node:http';
import { UUID_PATTERN } from './catalog/schemas.ts';

/** Stable codes of the errors the catalog service raises or reports. */
export type CatalogServiceErrorCode =
  | 'COURSE_NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'ROUTE_NOT_FOUND'
  | 'BAD_REQUEST'
  | 'DATABASE_UNAVAILABLE'
  | 'CONSUMER_STOPPED'
  | 'EVENT_PAYLOAD_INVALID'
  | 'INTERNAL';

interface CatalogueEntry {
  readonly status: number;
  readonly title: string;
  readonly retriable: boolean;
}

/** HTTP status, title and retriability of every code; the problem `type` is derived from the code. */
export const errorCatalogue: Readonly<Record<CatalogServiceErrorCode, CatalogueEntry>> = {
  COURSE_NOT_FOUND: { status: 404, title: 'Course not found', retriable: false },
  VALIDATION_FAILED: { status: 400, title: 'Invalid request', retriable: false },
  ROUTE_NOT_FOUND: { status: 404, title: 'Not found', retriable: false },
  BAD_REQUEST: { status: 400, title: 'Bad request', retriable: false },
  DATABASE_UNAVAILABLE: { status: 503, title: 'Service unavailable', retriable: true },
  CONSUMER_STOPPED: { status: 503, title: 'Service unavailable', retriable: false },
  EVENT_PAYLOAD_INVALID: { status: 500, title: 'Internal server error', retriable: false },
  INTERNAL: { status: 500, title: 'Internal server error', retriable: false },
};

/** One invalid input field: its name (`name`, `courseId`, `page`) and what is wrong with it. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Base of every error the catalog service raises. */
export class CatalogServiceError extends Error {
  /** Stable code; see {@link errorCatalogue}. */
  readonly code: CatalogServiceErrorCode;
  /** Whether the same request (or event) may succeed later (e.g. once the database is back). */
  readonly retriable: boolean;
  /** Structured details, safe to show to clients. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: CatalogServiceErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CatalogServiceError';
    this.code = code;
    this.retriable = errorCatalogue[code].retriable;
    this.details = options.details ?? {};
  }
}

/** No posted course has the given id. */
export class CourseNotFoundError extends CatalogServiceError {
  constructor(courseId: string) {
    super('COURSE_NOT_FOUND', `course ${courseId} is not in the catalog`, { details: { courseId } });
    this.name = 'CourseNotFoundError';
  }
}

/** The database cannot be reached (refused, lost, shutting down, pool closed). The cause is the driver error. */
export class DatabaseUnavailableError extends CatalogServiceError {
  constructor(cause: unknown) {
    super('DATABASE_UNAVAILABLE', 'database unavailable, try again later', { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** RFC 9457 problem details, with the stable `code` and, for validation failures, the bad fields. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: CatalogServiceErrorCode;
  instance?: string;
  errors?: FieldError[];
}

/** The `type` URI of a code: `urn:outflow:problem:course-not-found`. */
export function problemType(code: CatalogServiceErrorCode): string {
  return `urn:outflow:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** Builds a problem document for `code`; `status` overrides the catalogue's (used for other 4xx). */
export function problem(
  code: CatalogServiceErrorCode,
  detail: string,
  extra: { instance?: string; errors?: FieldError[]; status?: number } = {},
): Problem {
  const entry = errorCatalogue[code];
  const status = extra.status ?? entry.status;
  const title = extra.status === undefined ? entry.title : (STATUS_CODES[status] ?? entry.title);
  const doc: Problem = { type: problemType(code), title, status, detail, code };
  if (extra.instance !== undefined) doc.instance = extra.instance;
  if (extra.errors !== undefined) doc.errors = extra.errors;
  return doc;
}

/** The subset of an Ajv error the mapping reads. */
export interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

const MAX_FIELD_ERRORS = 20;

// Messages for the schemas' `pattern`s, keyed by the pattern (see catalog/schemas.ts).
const patternMessages: Record<string, string> = {
  [UUID_PATTERN]: 'must be a UUID',
};

/** Maps Ajv errors from Fastify's schema validation to field errors; `context` is `body`, `params`, … */
export function fieldErrors(errors: readonly SchemaError[], context: string): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors.slice(0, MAX_FIELD_ERRORS)) {
    const path = error.instancePath.split('/').filter(Boolean).join('.');
    const join = (name: unknown) => (path === '' ? String(name) : `${path}.${String(name)}`);
    const p = error.params;
    switch (error.keyword) {
      case 'required':
        out.push({ field: join(p.missingProperty), message: 'is required' });
        break;
      case 'additionalProperties':
        out.push({ field: join(p.additionalProperty), message: 'is not allowed' });
        break;
      case 'format':
        out.push({
          field: path || context,
          message: p.format === 'uuid' ? 'must be a UUID' : `must be a ${p.format}`,
        });
        break;
      case 'type': {
        const type = String(p.type);
        out.push({
          field: path || context,
          message: `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`,
        });
        break;
      }
      case 'pattern':
        out.push({
          field: path || context,
          message: patternMessages[String(p.pattern)] ?? 'has an invalid form',
        });
        break;
      case 'minLength':
        out.push({
          field: path || context,
          message: p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters`,
        });
        break;
      case 'maxLength':
        out.push({ field: path || context, message: `must be at most ${p.limit} characters` });
        break;
      default:
        out.push({ field: path || context, message: error.message ?? 'is invalid' });
    }
  }
  // Keep one message per field (a bad UUID fails both `format` and `pattern`).
  return out.filter((e, i) => out.findIndex((o) => o.field === e.field) === i);
}

/** One sentence listing the field errors, for the problem's `detail`. */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  return `invalid request: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`;
}

/**
 * What is safe to log about any error: name, code and message, plus the driver's error number/SQL state.
 * Never the SQL text or bound values (mysql2 attaches `sql`), never connection options.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; errno?: unknown; sqlState?: unknown };
  // MySQL syntax errors quote the statement ("... near 'SELECT ...' at line 1"): keep only the gist.
  const message = e.message.replace(/near '[\s\S]*' at line \d+/, "near '<redacted>'");
  const out: Record<string, unknown> = { type: e.name, message };
  if (e.code !== undefined) out.code = e.code;
  if (typeof e.errno === 'number') out.errno = e.errno;
  if (typeof e.sqlState === 'string') out.sqlState = e.sqlState;
  if (e.cause !== undefined) out.cause = loggableError(e.cause);
  if (e.stack !== undefined) out.stack = e.stack.replace(e.message, message);
  return out;
}
