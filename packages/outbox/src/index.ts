/**
 * `@outflow/outbox`: writes events to the outbox table inside the caller's own transaction, in the layout
 * Debezium's Outbox Event Router (and Outflow's relay) reads.
 *
 * @packageDocumentation
 */
export type { OutboxErrorCode, OutboxPayloadErrorCode } from './errors.ts';
export { OutboxConfigError, OutboxError, OutboxPayloadError } from './errors.ts';
export { createOutbox, migrate } from './outbox.ts';
export type {
  Outbox,
  Outboxable,
  OutboxColumns,
  OutboxDialect,
  OutboxMode,
  OutboxOptions,
  ResolvedOutboxOptions,
  SqlExecutor,
  WrittenEvent,
} from './types.ts';
