/**
 * What happens to one record: decode, then in ONE database transaction insert the inbox row and run the
 * handler; retry with backoff; dead-letter what cannot be handled; commit the Kafka offset only after the
 * transaction (or the dead-letter write) is durable. One call at a time per partition.
 */
import type { KafkaMessage, OutflowProducer } from '@outflow/kafka';
import { decodeRecord } from '../envelope.ts';
import { InboxError } from '../errors.ts';
import type { InboxEvent } from '../types.ts';
import { type DeadLetterReason, deadLetterHeaders } from './dead-letter.ts';
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

/** `done`: offset committed (or the commit was attempted); `aborted`: closing; `fatal`: stop the consumer. */
export type ProcessResult = { kind: 'done' } | { kind: 'aborted' } | { kind: 'fatal'; error: unknown };

/** Marks an error thrown by a handler, as opposed to one from the inbox insert or the commit. */
class HandlerFailure {
  readonly cause: unknown;
  constructor(cause: unknown) {
    this.cause = cause;
  }
}

function where(message: KafkaMessage) {
  return { topic: message.topic, partition: message.partition, offset: message.offset.toString() };
}

async function commitOffset(ctx: ProcessContext, message: KafkaMessage): Promise<void> {
  try {
    await message.commit();
  } catch (error) {
    // A rebalance took the partition: its next owner re-reads the record and the inbox skips it.
    ctx.options.logger.warn({ ...where(message), err: error }, 'inbox: offset commit failed');
  }
}

async function deadLetter(
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

/** Runs the inbox insert and the handler in one transaction. */
async function runOnce(ctx: ProcessContext, event: InboxEvent): Promise<TransactionOutcome> {
  const { database, inbox, handlers, fallbackHandler } = ctx.options;
  return database.transaction(async (tx) => {
    const recorded = await inbox.record(tx, {
      eventId: event.id,
      eventType: event.type ?? null,
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      topic: event.topic,
      partition: event.partition,
      offset: event.offset,
    });
    if (recorded === 'duplicate') return 'duplicate';
    const handler = (event.type === undefined ? undefined : handlers[event.type]) ?? fallbackHandler;
    if (handler === undefined) return 'unhandled';
    try {
      await handler(tx, event);
    } catch (error) {
      throw new HandlerFailure(error);
    }
    return 'handled';
  });
}

/** Processes one record to the end; never throws. */
export async function processRecord(ctx: ProcessContext, message: KafkaMessage): Promise<ProcessResult> {
  const { options, metrics } = ctx;
  const { logger } = options;
  const topicLabel = { topic: message.topic };
  metrics.inc('consumed', topicLabel);

  const decoded = decodeRecord(message, options);
  if (decoded.kind === 'skip') {
    metrics.inc('skipped', { ...topicLabel, reason: decoded.reason });
    await commitOffset(ctx, message);
    return { kind: 'done' };
  }
  if (decoded.kind === 'invalid') {
    const reason: DeadLetterReason =
      decoded.code === 'INBOX_PAYLOAD_INVALID' ? 'invalid-payload' : 'missing-event-id';
    const error = new InboxError(decoded.code, decoded.message, { details: where(message) });
    if ((await deadLetter(ctx, message, reason, error, 0)) === 'aborted') return { kind: 'aborted' };
    await commitOffset(ctx, message);
    return { kind: 'done' };
  }

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
      await commitOffset(ctx, message);
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
  const typeLabel = { ...topicLabel, type: event.type ?? '' };
  if (outcome === 'duplicate') {
    metrics.inc('duplicates', topicLabel);
    logger.debug({ ...where(message), eventId: event.id }, 'inbox: duplicate skipped');
  } else if (outcome === 'unhandled') {
    metrics.inc('unhandled', typeLabel);
    logger.info(
      { ...where(message), eventId: event.id, type: event.type ?? null },
      'inbox: no handler for this type, recorded and skipped',
    );
  } else {
    metrics.inc('handled', typeLabel);
  }
  await commitOffset(ctx, message);
  return { kind: 'done' };
}
