import { getHeapStatistics } from 'node:v8';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { Logger, OffsetStore, SourceBacklog, SourcePending } from '@outflow/relay-core';
import type { ConnectorMetrics } from '../metrics.ts';
import { formatTrace, type TaskRunner, type TaskState } from './connector-runner.ts';
import {
  type FromThread,
  fromWireError,
  type OffsetCall,
  type OffsetEntries,
  PortCalls,
  type TaskThreadData,
  type ToThread,
  toWireError,
} from './task-thread-protocol.ts';

/** The thread's module, next to this one: `.ts` from the sources, `.js` compiled or bundled. */
const THREAD_ENTRY = new URL(
  `./task-thread.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);

/** An offset store call whose reply was already sent. */
const REPLIED = Symbol('replied');

/** Added to `task.shutdown.graceful.timeout.ms` before a thread that does not answer `stop` is ended. */
const STOP_MARGIN_MS = 2000;

/** How long a spare thread waits for a task before it is ended (its memory given back). */
const SPARE_IDLE_MS = 60_000;

let spare: { worker: Worker; timer: NodeJS.Timeout } | undefined;

/**
 * The heap of a task thread, by measurement (ADR 0006). A drain promotes every queued record to the old
 * generation, and V8 lets the old generation grow to up to 4× what survived the last full collection when it
 * may reach 2 GB or more (Node's default where the machine has 8 GB or more), 2× at most below that: a limit
 * just under 2 GB takes ~80 MB off a drain's peak at the same drain rate. Semi-spaces of 16 MB instead of 64
 * take another ~110 MB off for ~5 % of the drain rate (4 MB: ~10 MB less still, for ~15 %). A lower limit than
 * Node's own is kept; `--max-old-space-size` and `--max-semi-space-size` (`NODE_OPTIONS`) override both, since
 * V8 applies its flags after these.
 */
export function taskThreadResourceLimits(processHeapLimitMb: number): ResourceLimits {
  return {
    maxYoungGenerationSizeMb: 48,
    maxOldGenerationSizeMb: Math.min(2000, Math.floor(processHeapLimitMb)),
  };
}

const resourceLimits = taskThreadResourceLimits(getHeapStatistics().heap_size_limit / 1048576);

/**
 * Starts a thread that loads the task modules before any task needs them, while the relay still connects to
 * Kafka and joins its group: the first task to start takes it, instead of waiting for a new thread to load
 * them (~200 ms of a cold start). Called when a relay starts with connectors; unused, it ends after a minute.
 */
export function prewarmTaskThread(): void {
  if (spare !== undefined) return;
  const worker = new Worker(THREAD_ENTRY, { name: 'task (spare)', resourceLimits });
  // Waiting for a task, it keeps nothing alive, and a failure to load shows when a task takes it.
  worker.unref();
  worker.on('error', () => {});
  const timer = setTimeout(() => {
    if (spare?.worker !== worker) return;
    spare = undefined;
    void worker.terminate();
  }, SPARE_IDLE_MS).unref();
  spare = { worker, timer };
}

/** The spare thread if there is one, else a new one. */
function takeThread(): Worker {
  const taken = spare;
  spare = undefined;
  if (taken === undefined || taken.worker.threadId === -1)
    return new Worker(THREAD_ENTRY, { name: 'task', resourceLimits });
  clearTimeout(taken.timer);
  taken.worker.ref();
  return taken.worker;
}

/** What a {@link ThreadedConnectorRunner} needs besides what it hands the thread. */
export interface ThreadedRunnerOptions {
  readonly data: TaskThreadData;
  readonly offsetStore: OffsetStore;
  readonly metrics: ConnectorMetrics;
  /** Where the runner itself reports (the thread's lines come through `writeLog`). */
  readonly logger: Logger;
  /** Writes one of the thread's log lines to the relay's log, secrets removed. */
  readonly writeLog: (line: string) => void;
  /** Removes secret values from a text (traces). */
  readonly scrub: (text: string) => string;
  readonly onStateChange?: (state: TaskState, trace: string | undefined) => void;
  /** Records delivered for the connector (the console's rates). */
  readonly onDelivered?: (events: number, bytes: number) => void;
  /** A topic the task wrote to for the first time in this run. */
  readonly onTopic?: (topic: string) => void;
}

/**
 * Runs a connector's task in a worker thread of its own (`task-thread.ts`), which runs `ConnectorRunner`
 * there: the herder sees the same `start`, `stop`, `state` and `trace`. The main thread keeps the offset
 * store (the thread calls it), exports the thread's metrics, writes its log lines and reports its state. A
 * thread that ends without being stopped (an uncaught error, out of memory) leaves the task FAILED with
 * the reason as its trace, until the herder restarts it.
 */
export class ThreadedConnectorRunner implements TaskRunner {
  readonly #o: ThreadedRunnerOptions;
  #worker: Worker | undefined;
  #state: TaskState = 'UNASSIGNED';
  #trace: string | undefined;
  #stopping: Promise<void> | undefined;
  #stopped: (() => void) | undefined;
  readonly #calls = new PortCalls();
  /** The offset sends of `setAtomically` calls the thread is making, by call id. */
  readonly #sendingOffsets = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #pending: SourcePending = { records: 0 };

  constructor(options: ThreadedRunnerOptions) {
    this.#o = options;
  }

  get state(): TaskState {
    return this.#state;
  }

  get trace(): string | undefined {
    return this.#trace;
  }

  start(): void {
    if (this.#stopping !== undefined) return;
    if (this.#worker !== undefined) {
      this.#post({ t: 'start' });
      return;
    }
    this.#trace = undefined;
    const worker = takeThread();
    worker.postMessage({ t: 'run', data: this.#o.data } satisfies ToThread);
    this.#worker = worker;
    worker.on('message', (batch: FromThread[]) => {
      for (const message of batch) this.#receive(worker, message);
    });
    worker.on('error', (error) => {
      if (this.#worker !== worker || this.#stopping !== undefined) return;
      this.#worker = undefined;
      this.#o.logger.error({ err: error }, "the task's thread failed");
      const outOfMemory =
        (error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the task's thread ran out of heap (a task thread's old generation is limited to ${resourceLimits.maxOldGenerationSizeMb} MB ` +
            'unless NODE_OPTIONS sets --max-old-space-size): lower max.queue.size or max.batch.size, or raise the limit\n'
          : '';
      this.#fail(`${outOfMemory}the task's thread ended on an uncaught error:\n${formatTrace(error)}`);
    });
    worker.on('exit', (code) => {
      this.#stopped?.();
      if (this.#worker !== worker || this.#stopping !== undefined) return;
      this.#worker = undefined;
      this.#o.logger.error({ code }, "the task's thread exited while the task ran");
      this.#fail(`the task's thread exited with code ${code} while the task ran`);
    });
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    if (worker !== undefined) {
      this.#stopping ??= this.#stopThread(worker);
      await this.#stopping;
    }
    if (this.#state !== 'FAILED') {
      this.#trace = undefined;
      this.#setState('UNASSIGNED');
    }
  }

  async #stopThread(worker: Worker): Promise<void> {
    const ended = new Promise<void>((resolve) => {
      this.#stopped = resolve;
    });
    this.#post({ t: 'stop' });
    const limitMs = (this.#o.data.shutdownTimeoutMs ?? 5000) + STOP_MARGIN_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      ended.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), limitMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut)
      this.#o.logger.error(
        { timeoutMs: limitMs },
        `the task's thread did not stop within ${limitMs} ms and is ended; records not yet acknowledged ` +
          'are published again when the task next starts',
      );
    this.#worker = undefined;
    this.#abandon(new Error('the task thread ended'));
    this.#o.metrics.sourceTask?.(null);
    await worker.terminate();
    this.#stopping = undefined;
  }

  #receive(worker: Worker, message: FromThread): void {
    switch (message.t) {
      case 'log':
        this.#o.writeLog(message.line);
        break;
      case 'state':
        this.#trace = message.trace === undefined ? undefined : this.#o.scrub(message.trace);
        this.#setState(message.state);
        break;
      case 'trace':
        this.#trace = message.trace === undefined ? undefined : this.#o.scrub(message.trace);
        break;
      case 'metric': {
        const record = this.#o.metrics[message.name as keyof ConnectorMetrics] as
          | ((...args: readonly unknown[]) => void)
          | undefined;
        record?.(...message.args);
        break;
      }
      case 'pending':
        this.#pending = message.pending;
        break;
      case 'task':
        this.#pending = { records: 0 };
        this.#o.metrics.sourceTask?.(
          message.present
            ? {
                pending: () => this.#pending,
                ...(message.backlog
                  ? {
                      backlog: () =>
                        this.#calls.call<SourceBacklog | undefined>((id) => this.#post({ t: 'backlog', id })),
                    }
                  : {}),
              }
            : null,
        );
        break;
      case 'sent':
        this.#o.onDelivered?.(message.events, message.bytes);
        for (const topic of message.topics) this.#o.onTopic?.(topic);
        break;
      case 'call':
        this.#answer(worker, message.id, message.call);
        break;
      case 'reply':
        this.#calls.settle(message);
        break;
      case 'sent-offsets': {
        const sending = this.#sendingOffsets.get(message.id);
        this.#sendingOffsets.delete(message.id);
        if (message.error === undefined) sending?.resolve();
        else sending?.reject(fromWireError(message.error));
        break;
      }
      case 'stopped':
        this.#stopped?.();
        break;
    }
  }

  /** Runs one of the thread's offset store calls on the main thread's store and sends the outcome back. */
  #answer(worker: Worker, id: number, call: OffsetCall): void {
    const { offsetStore: store } = this.#o;
    const connector = this.#o.data.connector;
    const run = async (): Promise<unknown> => {
      switch (call.op) {
        case 'get':
          return store.get(connector, call.partition);
        case 'set':
          return store.set(connector, call.entries);
        case 'refresh':
          return store.refresh?.();
        case 'setAtomically':
          return this.#setAtomically(worker, id, call.entries);
      }
    };
    run().then(
      (value) => {
        if (value !== REPLIED) this.#reply(worker, { t: 'reply', id, value: value ?? null });
      },
      (error: unknown) => this.#reply(worker, { t: 'reply', id, error: toWireError(error) }),
    );
  }

  /**
   * The store's `setAtomically` with the thread's producer: its offset records are the call's reply, and the
   * thread says how their send ended (`sent-offsets`); the store then takes them as stored, or not.
   */
  async #setAtomically(worker: Worker, id: number, entries: OffsetEntries): Promise<typeof REPLIED> {
    const store = this.#o.offsetStore;
    const atomically = store.setAtomically?.bind(store);
    if (atomically === undefined) throw new Error('the offset store cannot write in a transaction');
    let replied = false;
    try {
      await atomically(this.#o.data.connector, entries, (records) => {
        replied = true;
        this.#reply(worker, { t: 'reply', id, value: records });
        return new Promise<void>((resolve, reject) => this.#sendingOffsets.set(id, { resolve, reject }));
      });
    } catch (error) {
      if (!replied) throw error;
      // The thread's send failed or the thread ended: the task's own error says so; the store kept nothing.
    }
    return REPLIED;
  }

  #reply(worker: Worker, message: ToThread): void {
    if (this.#worker === worker) worker.postMessage(message);
  }

  /** Fails what waits on a thread that is gone: an offset send whose outcome is unknown is not stored. */
  #abandon(error: Error): void {
    this.#calls.abandon(error);
    for (const sending of this.#sendingOffsets.values()) sending.reject(error);
    this.#sendingOffsets.clear();
  }

  #post(message: ToThread): void {
    this.#worker?.postMessage(message);
  }

  #fail(trace: string): void {
    this.#abandon(new Error(trace));
    this.#o.metrics.sourceTask?.(null);
    this.#trace = this.#o.scrub(trace);
    this.#setState('FAILED');
  }

  #setState(state: TaskState): void {
    this.#state = state;
    this.#o.metrics.setState(state);
    this.#o.onStateChange?.(state, this.#trace);
  }
}
