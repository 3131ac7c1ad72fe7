/**
 * The closed catalogue of error codes `@outflow/outbox` throws. Check errors by `code`, never by message text.
 *
 * - `OUTBOX_CONFIG_INVALID`: an option given to `createOutbox` (or the migrate command) is wrong.
 * - `OUTBOX_EVENT_INVALID`: an event is malformed (blank `aggregateType`/`aggregateId`/`type`, bad `id`, …).
 * - `OUTBOX_PAYLOAD_TOO_LARGE`: the payload's JSON text is over `maxPayloadBytes`.
 * - `OUTBOX_PAYLOAD_NOT_JSON`: the payload cannot be serialised to JSON (BigInt, cycle, `undefined`, …), or holds
 *   a string the database refuses as JSON (a lone surrogate; U+0000 on PostgreSQL), named by `details.path`.
 * - `OUTBOX_EXECUTOR_INVALID`: the executor is not a transaction-holding connection (a pool, a callback API).
 * - `OUTBOX_SQL_FAILED`: the database rejected a statement; the driver's error is the `cause`.
 */
export type OutboxErrorCode =
  | 'OUTBOX_CONFIG_INVALID'
  | 'OUTBOX_EVENT_INVALID'
  | 'OUTBOX_PAYLOAD_TOO_LARGE'
  | 'OUTBOX_PAYLOAD_NOT_JSON'
  | 'OUTBOX_EXECUTOR_INVALID'
  | 'OUTBOX_SQL_FAILED';

/** Construction arguments shared by every outbox error. */
export interface OutboxErrorInit {
  /** Structured facts about the failure (option name, event type, sizes, …); never secrets. */
  details?: Readonly<Record<string, unknown>>;
  /** The underlying error, if any (for `OUTBOX_SQL_FAILED`, the driver's error). */
  cause?: unknown;
  /** Whether retrying the caller's whole transaction may succeed (deadlock, serialisation failure). */
  retriable?: boolean;
}

/**
 * Base class of every error thrown by `@outflow/outbox`.
 *
 * `code` is stable; `details` holds structured facts; `retriable` says whether running the caller's transaction
 * again may succeed (only ever `true` for deadlocks and serialisation failures reported by the database).
 */
export class OutboxError extends Error {
  /** Stable machine-readable code from {@link OutboxErrorCode}. */
  readonly code: OutboxErrorCode;
  /** Structured facts about the failure. */
  readonly details: Readonly<Record<string, unknown>>;
  /** Whether retrying the caller's whole transaction may succeed. */
  readonly retriable: boolean;

  /** Creates an error with a stable `code` and a human-readable `message`. */
  constructor(code: OutboxErrorCode, message: string, init: OutboxErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'OutboxError';
    this.code = code;
    this.details = Object.freeze({ ...init.details });
    this.retriable = init.retriable ?? false;
  }
}

/** An option is missing, of the wrong type or out of range; `details.option` names it. Code `OUTBOX_CONFIG_INVALID`. */
export class OutboxConfigError extends OutboxError {
  /** Creates a configuration error naming `option` and the rejected `value`. */
  constructor(option: string, value: unknown, reason: string) {
    super('OUTBOX_CONFIG_INVALID', `Invalid outbox option "${option}" (${describeValue(value)}): ${reason}`, {
      details: { option, value: describeValue(value) },
    });
    this.name = 'OutboxConfigError';
  }
}

/** Codes an {@link OutboxPayloadError} carries. */
export type OutboxPayloadErrorCode = 'OUTBOX_PAYLOAD_TOO_LARGE' | 'OUTBOX_PAYLOAD_NOT_JSON';

/**
 * An event's payload is over the size limit or not serialisable to JSON. Thrown before any SQL is sent, so the
 * caller's transaction is untouched (and theirs to roll back). `details` has `type`, `aggregateId`, `index`
 * (position in the batch); for the size error `bytes` and `limit`; for text the database would refuse, `reason`
 * (`lone-surrogate` or `nul`) and `path`, the JSON Pointer of the string or property name in the payload.
 */
export class OutboxPayloadError extends OutboxError {
  /** Creates a payload error; `message` names the event, the size and the limit. */
  constructor(code: OutboxPayloadErrorCode, message: string, init: OutboxErrorInit = {}) {
    super(code, message, init);
    this.name = 'OutboxPayloadError';
  }
}

/** A short, safe rendering of a rejected value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `array of ${value.length}`;
  return 'object';
}
