/**
 * The closed catalogue of error codes `@outflow/inbox` uses. Check errors by `code`, never by message text.
 *
 * - `INBOX_CONFIG_INVALID`: an option of `createInbox` or `createInboxConsumer` is wrong; `details.option`
 *   names it.
 * - `INBOX_SQL_FAILED`: the database rejected an inbox statement (record, cleanup, DDL); the driver's error is
 *   the `cause`.
 * - `INBOX_PAYLOAD_INVALID`: a record's value is not JSON (it goes to the dead-letter topic at once).
 * - `INBOX_EVENT_ID_MISSING`: a record carries no event id (no `id` header, no Debezium `after.id`); it goes
 *   to the dead-letter topic at once, since it cannot be deduplicated.
 * - `INBOX_HANDLER_FAILED`: a handler kept throwing after every attempt; the handler's error is the `cause`.
 * - `INBOX_DEAD_LETTER_FAILED`: a record could not be written to the dead-letter topic (retried until it is).
 * - `INBOX_CONSUMER_STOPPED`: the consumer stopped because of a fatal error (e.g. a failing `afterTransaction`
 *   hook); the error is the `cause`.
 */
export type InboxErrorCode =
  | 'INBOX_CONFIG_INVALID'
  | 'INBOX_SQL_FAILED'
  | 'INBOX_PAYLOAD_INVALID'
  | 'INBOX_EVENT_ID_MISSING'
  | 'INBOX_HANDLER_FAILED'
  | 'INBOX_DEAD_LETTER_FAILED'
  | 'INBOX_CONSUMER_STOPPED';

/** Construction arguments shared by every inbox error. */
export interface InboxErrorInit {
  /** Structured facts about the failure (option, topic, partition, offset, …); never secrets. */
  details?: Readonly<Record<string, unknown>>;
  /** The underlying error, if any. */
  cause?: unknown;
  /** Whether doing the same again later may succeed. */
  retriable?: boolean;
}

/** Base class of every error `@outflow/inbox` throws: a stable `code`, `details`, `retriable`, `cause`. */
export class InboxError extends Error {
  /** Stable machine-readable code from {@link InboxErrorCode}. */
  readonly code: InboxErrorCode;
  /** Structured facts about the failure. */
  readonly details: Readonly<Record<string, unknown>>;
  /** Whether doing the same again later may succeed. */
  readonly retriable: boolean;

  /** Creates an error with a stable `code` and a human-readable `message`. */
  constructor(code: InboxErrorCode, message: string, init: InboxErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'InboxError';
    this.code = code;
    this.details = Object.freeze({ ...init.details });
    this.retriable = init.retriable ?? false;
  }
}

/** An option is missing, of the wrong type or out of range. Code `INBOX_CONFIG_INVALID`. */
export class InboxConfigError extends InboxError {
  /** Creates a configuration error naming `option` and the rejected `value`. */
  constructor(option: string, value: unknown, reason: string) {
    super('INBOX_CONFIG_INVALID', `Invalid inbox option "${option}" (${describeValue(value)}): ${reason}`, {
      details: { option, value: describeValue(value) },
    });
    this.name = 'InboxConfigError';
  }
}

/** A short, safe rendering of a rejected value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `array of ${value.length}`;
  return 'object';
}

/** The `code` of an error (or of the first error in its `cause` chain that has a string one), if any. */
export function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if (typeof code === 'number') return String(code);
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
