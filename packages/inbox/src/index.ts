/**
 * `@outflow/inbox`: the consumer side of the transactional outbox. Each Kafka record's event id is inserted
 * into an inbox table in the same database transaction as the handler's writes, so a redelivered record is
 * recognised and skipped; offsets are committed only after that transaction. Handlers that keep failing are
 * retried with backoff and then dead-lettered; old inbox rows are cleaned up in small batches.
 *
 * @packageDocumentation
 */
export { createInboxConsumer, type InboxConsumer } from './consumer/consumer.ts';
export { type DeadLetterReason, DLQ_HEADERS } from './consumer/dead-letter.ts';
export {
  INBOX_METRICS,
  type InboxCounter,
  type InboxHistogram,
  type InboxMetricSpec,
  type InboxStats,
  type TimingSummary,
} from './consumer/metrics.ts';
export {
  CONSUMER_OPTION_SPECS,
  type InboxConsumerOptions,
  isConnectionError,
  type TransactionOutcome,
} from './consumer/options.ts';
export { type Decoded, type DecodeOptions, decodeRecord, type RawRecord } from './envelope.ts';
export { InboxConfigError, InboxError, type InboxErrorCode } from './errors.ts';
export {
  type CleanupOptions,
  createInbox,
  type Inbox,
  type InboxOptions,
  type RecordOutcome,
} from './inbox.ts';
export { INBOX_OPTION_SPECS, type OptionSpec } from './options.ts';
export type {
  BatchHandler,
  Handler,
  Handlers,
  InboxDatabase,
  InboxDialect,
  InboxEvent,
  InboxLogger,
  InboxRecord,
  SqlExecutor,
} from './types.ts';
