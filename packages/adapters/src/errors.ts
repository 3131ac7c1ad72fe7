/**
 * The closed catalogue of error codes `@outflow/adapters` throws. Check errors by `code`, never by message text.
 *
 * - `ADAPTER_CONFIG_INVALID`: an option given to an adapter is wrong; `details.option` names it.
 * - `ADAPTER_FOREIGN_EXECUTOR`: `inboxHandler` was given an executor this adapter did not make (the handler
 *   runs under another adapter's or a plain `InboxDatabase`).
 * - `ADAPTER_NOT_IN_TRANSACTION`: the object given as the transaction does not hold an open transaction.
 */
export type AdapterErrorCode =
  | 'ADAPTER_CONFIG_INVALID'
  | 'ADAPTER_FOREIGN_EXECUTOR'
  | 'ADAPTER_NOT_IN_TRANSACTION';

/** Base class of every error thrown by `@outflow/adapters`; `code` is stable, `details` structured. */
export class AdapterError extends Error {
  /** Stable machine-readable code from {@link AdapterErrorCode}. */
  readonly code: AdapterErrorCode;
  /** Structured facts about the failure. */
  readonly details: Readonly<Record<string, unknown>>;
  /** Never worth retrying: these are programming errors. */
  readonly retriable = false;

  /** Creates an error with a stable `code` and a human-readable `message`. */
  constructor(code: AdapterErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AdapterError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}
