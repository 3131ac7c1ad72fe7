/**
 * What happens to a batch (consecutive records of one partition, or of a few keys of one partition): every
 * event is recorded in the inbox with one multi-row statement, the handlers of the new ones run in order, and
 * ONE transaction commits them all. If anything in it fails, the transaction is rolled back and the batch is
 * processed again record by record ({@link processRecord}), so that only the record that fails is retried and
 * dead-lettered, exactly as without batching.
 */
import type { KafkaMessage } from '@outflow/kafka';
import { decodeRecord } from '../envelope.ts';
import type { InboxEvent } from '../types.ts';
import { runHandlers } from './dispatch.ts';
import type { TransactionOutcome } from './options.ts';
import {
  countOutcome,
  handlerFor,
  inboxRecordOf,
  observeCommitted,
  type ProcessContext,
  type ProcessResult,
  processRecord,
  processUndecodable,
  where,
} from './process-record.ts';

/** Records the batch and runs the handlers of its new events in one transaction. */
async function runBatch(ctx: ProcessContext, events: readonly InboxEvent[]): Promise<TransactionOutcome[]> {
  const { database, inbox } = ctx.options;
  const started = performance.now();
  const outcomes = await database.transaction(async (tx) => {
    const recorded = await inbox.recordBatch(tx, events.map(inboxRecordOf));
    const fresh = events.filter((_, i) => recorded[i] === 'recorded');
    const unhandled = await runHandlers(tx, fresh, (e) => handlerFor(ctx, e), ctx.metrics);
    return events.map((e, i): TransactionOutcome => {
      if (recorded[i] === 'duplicate') return 'duplicate';
      return unhandled.has(e) ? 'unhandled' : 'handled';
    });
  });
  ctx.metrics.observe('transaction', performance.now() - started);
  ctx.metrics.observe('batchRecords', events.length);
  observeCommitted(ctx, events);
  return outcomes;
}

/**
 * Processes `messages` (one partition, offset order) to the end, calling `complete` with records as they end;
 * the caller commits offsets from there. Never throws.
 */
export async function processBatch(
  ctx: ProcessContext,
  messages: readonly KafkaMessage[],
  complete: (messages: readonly KafkaMessage[]) => void,
): Promise<ProcessResult> {
  if (messages.length === 1) {
    const result = await processRecord(ctx, messages[0] as KafkaMessage);
    if (result.kind === 'done') complete(messages);
    return result;
  }
  const decoded = messages.map((m) => decodeRecord(m, ctx.options));
  const events: InboxEvent[] = [];
  for (const d of decoded) if (d.kind === 'event') events.push(d.event);

  let outcomes: TransactionOutcome[] | undefined;
  if (events.length > 0) {
    try {
      outcomes = await runBatch(ctx, events);
    } catch (error) {
      if (ctx.signal.aborted) return { kind: 'aborted' };
      ctx.options.logger.warn(
        { ...where(messages[0] as KafkaMessage), records: messages.length, err: error },
        'inbox: batch failed, processing its records one by one',
      );
      return oneByOne(ctx, messages, decoded, complete);
    }
  }

  // One completion for the whole batch, so that its offset is committed once.
  const finished: KafkaMessage[] = [];
  const result = await settle(ctx, messages, decoded, outcomes ?? [], finished);
  // A fatal error stops the consumer as a crash would: nothing more is committed.
  if (result.kind !== 'fatal') complete(finished);
  return result;
}

/** After the commit: dead-letter invalid records, run the test hook, count outcomes. */
async function settle(
  ctx: ProcessContext,
  messages: readonly KafkaMessage[],
  decoded: readonly ReturnType<typeof decodeRecord>[],
  outcomes: readonly TransactionOutcome[],
  finished: KafkaMessage[],
): Promise<ProcessResult> {
  const afterTransaction = ctx.options.afterTransaction;
  let e = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as KafkaMessage;
    const d = decoded[i] as ReturnType<typeof decodeRecord>;
    if (d.kind !== 'event') {
      const result = await processUndecodable(ctx, message, d);
      if (result.kind !== 'done') return result;
      finished.push(message);
      continue;
    }
    const outcome = outcomes[e++] as TransactionOutcome;
    if (afterTransaction !== undefined) {
      try {
        await afterTransaction(d.event, outcome);
      } catch (error) {
        return { kind: 'fatal', error };
      }
    }
    countOutcome(ctx, d.event, outcome);
    finished.push(message);
  }
  return { kind: 'done' };
}

async function oneByOne(
  ctx: ProcessContext,
  messages: readonly KafkaMessage[],
  decoded: readonly ReturnType<typeof decodeRecord>[],
  complete: (messages: readonly KafkaMessage[]) => void,
): Promise<ProcessResult> {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as KafkaMessage;
    const result = await processRecord(ctx, message, decoded[i]);
    if (result.kind !== 'done') return result;
    complete([message]);
  }
  return { kind: 'done' };
}
