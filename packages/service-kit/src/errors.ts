/**
 * The error model every service shares: a base error with a stable string `code`, a catalogue giving each code
 * its HTTP status, title and retriability, and RFC 9457 problem JSON built from it at the edge. Each service
 * adds its own codes to {@link baseErrorCatalogue} and subclasses {@link ServiceError}.
 */
import { STATUS_CODES } from 'node:http';
import { NOT_BLANK_PATTERN, UUID_PATTERN } from './http/patterns.ts';

/** How one error code looks at the HTTP edge. */
export interface CatalogueEntry {
  /** HTTP status of the problem. */
  readonly status: number;
  /** The problem's `title`. */
  readonly title: string;
  /** Whether the same request may succeed later. */
  readonly retriable: boolean;
}

/** A service's closed catalogue of error codes. */
export type ErrorCatalogue<C extends string> = Readonly<Record<C, CatalogueEntry>>;

/** Codes the shared HTTP edge and database layer raise; every service's catalogue includes them. */
export type BaseErrorCode =
  | 'VALIDATION_FAILED'
  | 'ROUTE_NOT_FOUND'
  | 'BAD_REQUEST'
  | 'DATABASE_UNAVAILABLE'
  | 'INTERNAL';

/** The entries of {@link BaseErrorCode}; spread them into a service's catalogue. */
export const baseErrorCatalogue: ErrorCatalogue<BaseErrorCode> = {
  VALIDATION_FAILED: { status: 400, title: 'Invalid request', retriable: false },
  ROUTE_NOT_FOUND: { status: 404, title: 'Not found', retriable: false },
  BAD_REQUEST: { status: 400, title: 'Bad request', retriable: false },
  DATABASE_UNAVAILABLE: { status: 503, title: 'Service unavailable', retriable: true },
  INTERNAL: { status: 500, title: 'Internal server error', retriable: false },
};

/** Construction options of a {@link ServiceError}. */
export interface ServiceErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** Structured details, safe to show to clients. */
  readonly details?: Record<string, unknown>;
  /** Whether the same request may succeed later; default false. */
  readonly retriable?: boolean;
}

/**
 * Base of the errors services raise. The HTTP edge ({@link createServiceApp}) answers a `ServiceError` whose
 * code is in the service's catalogue with that code's problem; the transaction runner passes it through
 * unclassified.
 */
export class ServiceError<C extends string = string> extends Error {
  /** Stable code from the service's catalogue. Check by code, never by message. */
  readonly code: C;
  /** Whether the same request (or event) may succeed later (e.g. once the database is back). */
  readonly retriable: boolean;
  /** Structured details, safe to show to clients. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServiceError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

/** The database cannot be reached (refused, lost, shutting down, pool closed). The cause is the driver error. */
export class DatabaseUnavailableError extends ServiceError<'DATABASE_UNAVAILABLE'> {
  constructor(cause: unknown) {
    super('DATABASE_UNAVAILABLE', 'database unavailable, try again later', { cause, retriable: true });
    this.name = 'DatabaseUnavailableError';
  }
}

/** One invalid input field: its name (`name`, `courseId`, `page`) and what is wrong with it. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** RFC 9457 problem details, with the stable `code` and, for validation failures, the bad fields. */
export interface Problem<C extends string = string> {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: C;
  instance?: string;
  errors?: FieldError[];
}

/** The `type` URI of a code: `urn:outflow:problem:course-not-found`. */
export function problemType(code: string): string {
  return `urn:outflow:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** Builds the problem document of `code` from `catalogue`; `status` overrides the catalogue's (other 4xx). */
export function problem<C extends string>(
  catalogue: ErrorCatalogue<C>,
  code: C,
  detail: string,
  extra: { instance?: string; errors?: FieldError[]; status?: number } = {},
): Problem<C> {
  const entry = catalogue[code];
  const status = extra.status ?? entry.status;
  const title = extra.status === undefined ? entry.title : (STATUS_CODES[status] ?? entry.title);
  const doc: Problem<C> = { type: problemType(code), title, status, detail, code };
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

// Messages for the shared schema patterns, keyed by the pattern (see http/schemas.ts).
const patternMessages: Readonly<Record<string, string>> = {
  [UUID_PATTERN]: 'must be a UUID',
  [NOT_BLANK_PATTERN]: 'must not be blank',
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
