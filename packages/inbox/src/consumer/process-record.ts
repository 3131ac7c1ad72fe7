/**
 * What happens to one record: decode, then in ONE database transaction insert the inbox row and run the
 * handler; retry with backoff; dead-letter what cannot be handled. It resolves `done` only once the
 * transaction (or the dead-letter write) is durable; the caller commits the Kafka offset after that.
 * Used for batches of one and for each record of a batch that failed.
 */
import type { KafkaMessage, OutflowProducer } from '@outflow/kafka';
import { decodeRecord } from '../envelope.ts';
import { InboxError } from '../errors.ts';
import type { InboxEvent } from '../types.ts';
import { type DeadLetterReason, deadLetterHeaders } from './dead-letter.ts';
import { HandlerFailure, type ResolvedHandler, runHandlers } from './dispatch.ts';
import type { InboxMetrics } from './metrics.ts';
import type { ResolvedConsumerOptions, TransactionOutcome } from './options.ts';
import { backoffDelay, sleep } from './retry.ts';

/** What {@link processRecord} needs from its consumer. */
export interface ProcessContext {
  readonly options: ResolvedConsumerOptions;
  readonly metrics: InboxMetrics;
  readonly producer: () => OutflowProducer;
  /** Aborted when the consumer closes: waits end early and nothing more is committed. */
  readonly signal: AbortSignal;
}

/** `done`: the offset may be committed; `aborted`: closing; `fatal`: stop the consumer. */
export type ProcessResult = { kind: 'done' } | { kind: 'aborted' } | { kind: 'fatal'; error: unknown };

/** Where a record was read, for log lines. */
export function where(message: KafkaMessage) {
  return { topic: message.topic, partition: message.partition, offset: message.offset.toString() };
}

/** The handler that takes `event`: its type's, else the fallback. */
export function handlerFor(ctx: ProcessContext, event: InboxEvent): ResolvedHandler | undefined {
  const { handlers, fallbackHandler } = ctx.options;
  return (event.type === undefined ? undefined : handlers[event.type]) ?? fallbackHandler;
}

/** The end-to-end time of each event whose transaction just committed, from its record timestamp. */
export function observeCommitted(ctx: ProcessContext, events: readonly InboxEvent[]): void {
  const now = Date.now();
  for (const event of events) ctx.metrics.observe('endToEnd', Math.max(0, now - Number(event.timestamp)));
}

/** Counts the outcome of a committed event and logs what deserves it. */
export function countOutcome(ctx: ProcessContext, event: InboxEvent, outcome: TransactionOutcome): void {
  const { metrics, options } = ctx;
  const topicLabel = { topic: event.topic };
  const at = { topic: event.topic, partition: event.partition, offset: event.offset.toString() };
  if (outcome === 'duplicate') {
    metrics.inc('duplicates', topicLabel);
    options.logger.debug({ ...at, eventId: event.id }, 'inbox: duplicate skipped');
  } else if (outcome === 'unhandled') {
    metrics.inc('unhandled', { ...topicLabel, type: event.type ?? '' });
    options.logger.info(
      { ...at, eventId: event.id, type: event.type ?? null },
      'inbox: no handler for this type, recorded and skipped',
    );
  } else {
    metrics.inc('handled', { ...topicLabel, type: event.type ?? '' });
  }
}

/** Dead-letters `message` (retrying the write until it succeeds or the consumer closes). */
export async function deadLetter(
  ctx: ProcessContext,
  message: KafkaMessage,
  reason: DeadLetterReason,
  error: unknown,
  attempts: number,
): Promise<'sent' | 'aborted'> {
  const { logger, maxBackoffMs, minBackoffMs } = ctx.options;
  const topic = ctx.options.deadLetterTopic(message.topic);
  const headers = deadLetterHeaders(message, error, attempts, reason);
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal.aborted) return 'aborted';
    try {
      await ctx.producer().send({
        messages: [{ topic, key: message.key ?? undefined, value: message.value ?? undefined, headers }],
      });
      ctx.metrics.inc('deadLettered', { topic: message.topic, reason });
      logger.error(
        { ...where(message), deadLetterTopic: topic, reason, attempts, err: error },
        'inbox: dead-lettered',
      );
      return 'sent';
    } catch (sendError) {
      // Never commit past a record that is neither handled nor dead-lettered: keep trying.
      logger.error(
        {
          ...where(message),
          deadLetterTopic: topic,
          err: new InboxError('INBOX_DEAD_LETTER_FAILED', 'dead-letter write failed', { cause: sendError }),
        },
        'inbox: dead-letter write failed, retrying',
      );
      await sleep(backoffDelay(attempt, { minMs: minBackoffMs, maxMs: maxBackoffMs }), ctx.signal);
    }
  }
}

/** The inbox row of `event`. */
export function inboxRecordOf(event: InboxEvent) {
  return {
    eventId: event.id,
    eventType: event.type ?? null,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    topic: event.topic,
    partition: event.partition,
    offset: event.offset,
  };
}

/** Runs the inbox insert and the handler in one transaction. */
async function runOnce(ctx: ProcessContext, event: InboxEvent): Promise<TransactionOutcome> {
  const { database, inbox } = ctx.options;
  const started = performance.now();
  const outcome = await database.transaction<TransactionOutcome>(async (tx) => {
    const recorded = await inbox.record(tx, inboxRecordOf(event));
    if (recorded === 'duplicate') return 'duplicate';
    const unhandled = await runHandlers(tx, [event], (e) => handlerFor(ctx, e), ctx.metrics);
    return unhandled.size > 0 ? 'unhandled' : 'handled';
  });
  ctx.metrics.observe('transaction', performance.now() - started);
  ctx.metrics.observe('batchRecords', 1);
  observeCommitted(ctx, [event]);
  return outcome;
}

/** Decoded records that need no transaction: skipped ones, and invalid ones that go to the DLQ at once. */
export async function processUndecodable(
  ctx: ProcessContext,
  message: KafkaMessage,
  decoded: Exclude<ReturnType<typeof decodeRecord>, { kind: 'event' }>,
): Promise<ProcessResult> {
  if (decoded.kind === 'skip') {
    ctx.metrics.inc('skipped', { topic: message.topic, reason: decoded.reason });
    return { kind: 'done' };
  }
  const reason: DeadLetterReason =
    decoded.code === 'INBOX_PAYLOAD_INVALID' ? 'invalid-payload' : 'missing-event-id';
  const error = new InboxError(decoded.code, decoded.message, { details: where(message) });
  if ((await deadLetter(ctx, message, reason, error, 0)) === 'aborted') return { kind: 'aborted' };
  return { kind: 'done' };
}

/** Processes one record to the end (the caller commits its offset on `done`); never throws. */
export async function processRecord(
  ctx: ProcessContext,
  message: KafkaMessage,
  decoded = decodeRecord(message, ctx.options),
): Promise<ProcessResult> {
  const { options, metrics } = ctx;
  const { logger } = options;
  const topicLabel = { topic: message.topic };
  if (decoded.kind !== 'event') return processUndecodable(ctx, message, decoded);

  const event = decoded.event;
  const backoff = { minMs: options.minBackoffMs, maxMs: options.maxBackoffMs };
  let attempt = 1;
  let transientFailures = 0;
  let outcome: TransactionOutcome | undefined;
  while (outcome === undefined) {
    if (ctx.signal.aborted) return { kind: 'aborted' };
    try {
      outcome = await runOnce(ctx, event);
    } catch (thrown) {
      if (ctx.signal.aborted) return { kind: 'aborted' };
      const handlerError = thrown instanceof HandlerFailure ? thrown.cause : undefined;
      const error = handlerError ?? thrown;
      if (handlerError === undefined || options.isTransient(handlerError)) {
        // The database, not the event: retry without limit, and without spending the event's attempts.
        transientFailures++;
        logger.warn({ ...where(message), eventId: event.id, err: error }, 'inbox: database error, retrying');
        await sleep(backoffDelay(transientFailures, backoff), ctx.signal);
        continue;
      }
      // An error that declares it can never succeed (`retriable: false`, e.g. a payload the handler rejects)
      // would only fail again: it goes to the dead-letter topic at once.
      const hopeless = (error as { retriable?: unknown }).retriable === false;
      if (attempt < options.attempts && !hopeless) {
        metrics.inc('retried', topicLabel);
        logger.warn(
          { ...where(message), eventId: event.id, type: event.type, attempt, err: error },
          'inbox: handler failed, retrying',
        );
        await sleep(backoffDelay(attempt, backoff), ctx.signal);
        attempt++;
        continue;
      }
      if ((await deadLetter(ctx, message, 'handler-failed', error, attempt)) === 'aborted')
        return { kind: 'aborted' };
      return { kind: 'done' };
    }
  }

  if (options.afterTransaction !== undefined) {
    try {
      await options.afterTransaction(event, outcome);
    } catch (error) {
      return { kind: 'fatal', error };
    }
  }
  countOutcome(ctx, event, outcome);
  return { kind: 'done' };
}
