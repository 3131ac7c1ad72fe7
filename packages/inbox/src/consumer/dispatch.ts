/**
 * Which handler takes an event, and running the handlers of a run of events in order inside one
 * transaction: a per-event handler is called once per event, a batch handler once per run of consecutive
 * events that it takes.
 */
import { InboxConfigError } from '../errors.ts';
import { checkFunction } from '../options.ts';
import type { BatchHandler, Handler, InboxEvent, SqlExecutor } from '../types.ts';
import type { InboxMetrics } from './metrics.ts';
import { inHandlerSpan } from './tracing.ts';

/** A handler as the consumer runs it: always over a list of events (one, for a per-event handler). */
export interface ResolvedHandler {
  /** True for a {@link BatchHandler}: consecutive events it takes are passed together. */
  readonly batch: boolean;
  run(tx: SqlExecutor, events: readonly InboxEvent[]): Promise<void>;
}

/** Marks an error thrown by a handler, as opposed to one from the inbox insert or the commit. */
export class HandlerFailure {
  readonly cause: unknown;
  constructor(cause: unknown) {
    this.cause = cause;
  }
}

/** Validates one handler option (a function or `{ handleBatch }`), naming `option` if it is neither. */
export function resolveHandler(option: string, value: unknown): ResolvedHandler {
  if (typeof value === 'function') {
    const handler = value as Handler;
    return {
      batch: false,
      async run(tx, events) {
        for (const event of events) await handler(tx, event);
      },
    };
  }
  if (typeof value === 'object' && value !== null) {
    const handleBatch = checkFunction<BatchHandler['handleBatch']>(
      `${option}.handleBatch`,
      (value as { handleBatch?: unknown }).handleBatch,
    );
    if (handleBatch !== undefined) {
      return {
        batch: true,
        run: async (tx, events) => {
          await handleBatch.call(value, tx, events);
        },
      };
    }
  }
  throw new InboxConfigError(
    option,
    value,
    'must be a function (tx, event) or an object with handleBatch(tx, events)',
  );
}

/**
 * Runs the handlers of `events` (new events, in order) through `tx`: the handler `find` gives for each one,
 * batch handlers once per run of consecutive events they take. Resolves the events no handler took. A handler
 * that throws rejects with {@link HandlerFailure}.
 */
export async function runHandlers(
  tx: SqlExecutor,
  events: readonly InboxEvent[],
  find: (event: InboxEvent) => ResolvedHandler | undefined,
  metrics: InboxMetrics,
): Promise<Set<InboxEvent>> {
  const unhandled = new Set<InboxEvent>();
  for (let i = 0; i < events.length; ) {
    const event = events[i] as InboxEvent;
    const handler = find(event);
    if (handler === undefined) {
      unhandled.add(event);
      i++;
      continue;
    }
    let end = i + 1;
    if (handler.batch) while (end < events.length && find(events[end] as InboxEvent) === handler) end++;
    const started = performance.now();
    const taken = end === i + 1 ? [event] : events.slice(i, end);
    try {
      await inHandlerSpan(taken, () => handler.run(tx, taken));
    } catch (error) {
      throw new HandlerFailure(error);
    }
    metrics.observe('handler', performance.now() - started);
    i = end;
  }
  return unhandled;
}
