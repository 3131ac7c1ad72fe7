import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Converter,
  createJsonConverter,
  type Logger,
  type OffsetStore,
  runSourceTask,
  type Sink,
  type SourceTask,
} from '@outflow/relay-core';
import type { ConnectorMetrics } from '../metrics.ts';
import { STRING_CONVERTER, type ValidatedConnectorConfig } from './framework-config.ts';

/** A task's state, as Kafka Connect reports it. */
export type TaskState = 'UNASSIGNED' | 'RUNNING' | 'FAILED';

/** What a runner needs besides the connector's validated configuration. */
export interface RunnerOptions {
  readonly config: ValidatedConnectorConfig;
  readonly offsetStore: OffsetStore;
  /** A fresh sink for each run of the task; the runner closes it. */
  readonly createSink: () => Sink;
  readonly offsetFlushIntervalMs: number;
  readonly logger: Logger;
  readonly metrics: ConnectorMetrics;
  /** Removes secret values from a text (traces). */
  readonly scrub: (text: string) => string;
  /** Exponential backoff of retriable failures. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/**
 * Runs a connector's single task until stopped: creates the task, its transforms, converters and sink,
 * and hands them to relay-core's `runSourceTask`. A retriable failure (`RelayError.retriable`: database
 * down, Kafka not acknowledging) is logged as a warning and retried with exponential backoff while the task
 * stays RUNNING; any other failure leaves the task FAILED, with its trace, until the herder restarts it.
 */
export class ConnectorRunner {
  #state: TaskState = 'UNASSIGNED';
  #trace: string | undefined;
  #abort: AbortController | undefined;
  #done: Promise<void> | undefined;
  readonly #options: RunnerOptions;

  constructor(options: RunnerOptions) {
    this.#options = options;
  }

  get state(): TaskState {
    return this.#state;
  }

  /** The failure's message and stack when FAILED, secrets removed. */
  get trace(): string | undefined {
    return this.#trace;
  }

  /** Starts the task in the background; a no-op if it is already running. */
  start(): void {
    if (this.#done !== undefined) return;
    this.#abort = new AbortController();
    this.#trace = undefined;
    // RUNNING only once the source has started (its position taken), as Connect reports a task after
    // `start` returned: a client that waits for RUNNING and then writes must not have its change missed.
    this.#done = this.#loop(this.#abort.signal).finally(() => {
      this.#done = undefined;
    });
  }

  /**
   * Stops the task: the batch in hand is delivered and its offsets stored, then the task, transforms and
   * sink are closed. Resolves when all of that is done; the state goes back to UNASSIGNED unless FAILED.
   */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#done;
    if (this.#state !== 'FAILED') this.#setState('UNASSIGNED');
  }

  async #loop(signal: AbortSignal): Promise<void> {
    const { logger, backoff = { initialMs: 1000, maxMs: 30_000 } } = this.#options;
    let delay = backoff.initialMs;
    while (!signal.aborted) {
      try {
        await this.#runOnce(signal, () => {
          delay = backoff.initialMs;
          this.#setState('RUNNING');
        });
        return;
      } catch (error) {
        if (signal.aborted) {
          logger.warn({ error: this.#scrubError(error) }, 'task failed while stopping');
          return;
        }
        if (isRetriable(error)) {
          // Retrying is the task at work (e.g. waiting for its database), not a failure the user must act on.
          this.#setState('RUNNING');
          const { stack: _stack, ...brief } = this.#scrubError(error);
          logger.warn(
            { error: brief, retryInMs: delay },
            'retriable failure, the task restarts after a pause',
          );
          await sleep(delay, undefined, { signal }).catch(() => undefined);
          delay = Math.min(delay * 2, backoff.maxMs);
          continue;
        }
        this.#trace = this.#options.scrub(formatTrace(error));
        this.#setState('FAILED');
        logger.error({ error: this.#scrubError(error) }, 'task failed; restart it once the cause is fixed');
        return;
      }
    }
  }

  async #runOnce(signal: AbortSignal, onStarted: () => void): Promise<void> {
    const { config, logger } = this.#options;
    let task: SourceTask | undefined;
    let sink: Sink | undefined;
    try {
      const transforms = config.transforms.map((t) =>
        t.plugin.create(t.values, logger.child({ transform: t.alias })),
      );
      // The plugin learns which of its classes was configured (MySQL or MariaDB) under `connector.class`.
      task = config.plugin.createTask(
        { ...config.values, 'connector.class': config.framework['connector.class'], name: config.name },
        logger,
      );
      sink = this.#options.createSink();
      const flushMs = config.framework['offset.flush.interval.ms'];
      await runSourceTask({
        connector: config.name,
        task,
        transforms,
        keyConverter: converterFor(config, 'key'),
        valueConverter: converterFor(config, 'value'),
        sink,
        offsetStore: this.#options.offsetStore,
        offsetFlushIntervalMs: typeof flushMs === 'number' ? flushMs : this.#options.offsetFlushIntervalMs,
        logger,
        metrics: this.#options.metrics,
        signal,
        onStarted,
      });
    } finally {
      await task
        ?.stop()
        .catch((err: unknown) => logger.warn({ error: this.#scrubError(err) }, 'task stop failed'));
      await sink
        ?.close()
        .catch((err: unknown) => logger.warn({ error: this.#scrubError(err) }, 'sink close failed'));
    }
  }

  #setState(state: TaskState): void {
    this.#state = state;
    this.#options.metrics.setState(state);
  }

  #scrubError(error: unknown): { type: string; message: string; code?: unknown; stack: string } {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      type: e.name,
      message: this.#options.scrub(e.message),
      code: (e as { code?: unknown }).code,
      stack: this.#options.scrub(formatTrace(e)),
    };
  }
}

function converterFor(config: ValidatedConnectorConfig, side: 'key' | 'value'): Converter {
  const f = config.framework;
  if (f[`${side}.converter`] === STRING_CONVERTER) return stringConverter;
  return createJsonConverter({
    schemasEnable: f[`${side}.converter.schemas.enable`] !== false,
    decimalFormat: f[`${side}.converter.decimal.format`] === 'NUMERIC' ? 'NUMERIC' : 'BASE64',
    replaceNullWithDefault: f[`${side}.converter.replace.null.with.default`] !== false,
  });
}

/** Kafka Connect's StringConverter: the value's text as UTF-8; a struct key is written as JSON. */
const stringConverter: Converter = {
  fromConnectData(_topic, _schema, value) {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    return Buffer.from(
      JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      'utf8',
    );
  },
};

function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** Message, stack and the chain of causes, like a Java trace's "Caused by:". */
export function formatTrace(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const e = current instanceof Error ? current : new Error(String(current));
    const text = e.stack ?? `${e.name}: ${e.message}`;
    parts.push(depth === 0 ? text : `Caused by: ${text}`);
    current = e.cause;
  }
  return parts.join('\n');
}
