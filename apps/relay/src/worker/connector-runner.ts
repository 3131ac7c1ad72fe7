import { setTimeout as sleep } from 'node:timers/promises';
import {
  CLOUDEVENTS_CONVERTER,
  type Converter,
  createCloudEventsConverter,
  createJsonConverter,
  type Logger,
  type OffsetStore,
  runSourceTask,
  type Sink,
  type SourceTask,
  superviseSourceTask,
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
  /** `task.shutdown.graceful.timeout.ms` (default 5000). */
  readonly shutdownTimeoutMs?: number;
  readonly logger: Logger;
  readonly metrics: ConnectorMetrics;
  /** Removes secret values from a text (traces). */
  readonly scrub: (text: string) => string;
  /** Exponential backoff of retriable failures. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Told every state the task reports (and its trace), for the status topic a cluster shares. */
  readonly onStateChange?: (state: TaskState, trace: string | undefined) => void;
  /** Told when the trace changes while the state does not (a stalled send, and when it clears). */
  readonly onTrace?: (trace: string | undefined) => void;
}

/** What the herder holds of a running task: in its own thread (`ThreadedConnectorRunner`) or not. */
export interface TaskRunner {
  readonly state: TaskState;
  readonly trace: string | undefined;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Runs a connector's single task until stopped: creates the task, its transforms, converters and sink, and
 * hands them to relay-core's `runSourceTask` under relay-core's `superviseSourceTask`, which retries
 * retriable failures (database or Kafka unreachable) with backoff while the task stays RUNNING; any other
 * failure leaves the task FAILED, with its trace, until the herder restarts it. While the task retries or
 * waits on a stalled Kafka, `trace` carries that condition (Connect shows a retrying task's last error).
 */
export class ConnectorRunner implements TaskRunner {
  #state: TaskState = 'UNASSIGNED';
  /** The failure that stopped the task (FAILED) or is being retried. */
  #failure: string | undefined;
  /** A condition the running task waits out (a stalled send). */
  #trouble: string | undefined;
  #abort: AbortController | undefined;
  #done: Promise<void> | undefined;
  #inFlight: { task: SourceTask | undefined; sink: Sink | undefined } = { task: undefined, sink: undefined };
  readonly #options: RunnerOptions;

  constructor(options: RunnerOptions) {
    this.#options = options;
  }

  get state(): TaskState {
    return this.#state;
  }

  /** The failure's message and stack when FAILED or while a failure is retried, secrets removed. */
  get trace(): string | undefined {
    return this.#failure ?? this.#trouble;
  }

  /** Starts the task in the background; a no-op if it is already running. */
  start(): void {
    if (this.#done !== undefined) return;
    this.#abort = new AbortController();
    this.#failure = undefined;
    this.#trouble = undefined;
    const { logger, metrics, backoff = { initialMs: 1000, maxMs: 30_000 } } = this.#options;
    // RUNNING only once the source has started (its position taken), as Connect reports a task after
    // `start` returned: a client that waits for RUNNING and then writes must not have its change missed.
    const done = superviseSourceTask({
      signal: this.#abort.signal,
      logger,
      backoff,
      run: (signal, onStarted) => this.#runOnce(signal, onStarted),
      onError: (error) => {
        metrics.error(error);
        const code = (error as { code?: unknown }).code;
        if (code === 'SOURCE_UNAVAILABLE') metrics.sourceConnected(false);
        if (code === 'SINK_FAILED') metrics.sinkConnected(false);
      },
      onStatus: ({ state, failure }) => {
        this.#failure = failure === undefined ? undefined : this.#options.scrub(formatTrace(failure));
        if (state === 'RUNNING' && failure === undefined) metrics.sourceConnected(true);
        this.#setState(state);
      },
    }).finally(() => {
      if (this.#done === done) this.#done = undefined;
    });
    this.#done = done;
  }

  /**
   * Stops the task: the batch in hand is delivered and its offsets stored, then the task, transforms and
   * sink are closed. Waits at most `task.shutdown.graceful.timeout.ms`; past it the task is abandoned (its
   * unacknowledged records are published again after a restart) and an error line says so. The state goes
   * back to UNASSIGNED unless FAILED.
   */
  async stop(): Promise<void> {
    this.#abort?.abort();
    const done = this.#done;
    if (done !== undefined) {
      const timeoutMs = this.#options.shutdownTimeoutMs ?? 5000;
      const timer = sleep(timeoutMs, 'timeout' as const, { ref: false });
      if ((await Promise.race([done.then(() => 'stopped' as const), timer])) === 'timeout') {
        this.#options.logger.error(
          { timeoutMs },
          `the task did not stop within task.shutdown.graceful.timeout.ms=${timeoutMs}: its batch in hand ` +
            'was not acknowledged by Kafka and the offsets since the last flush are not stored; those ' +
            'records are published again when the task next starts',
        );
        const { task } = this.#inFlight;
        // Abandoned: a later start runs a new task beside this one, which ends once Kafka answers or the
        // process exits. The loop is stuck on Kafka; the database side can still be released now.
        if (this.#done === done) this.#done = undefined;
        await Promise.race([task?.stop().catch(() => undefined), sleep(500, undefined, { ref: false })]);
      }
    }
    if (this.#state !== 'FAILED') {
      this.#failure = undefined;
      this.#trouble = undefined;
      this.#setState('UNASSIGNED');
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
      task = await config.plugin.createTask(
        { ...config.values, 'connector.class': config.framework['connector.class'], name: config.name },
        logger,
      );
      // Stopped while the plugin loaded its driver: the task never started, `finally` releases it.
      if (signal.aborted) return;
      sink = this.#options.createSink();
      this.#inFlight = { task, sink };
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
        exactlyOnce: sink.transactional === true,
        onTrouble: (trouble) => {
          this.#trouble = trouble === null ? undefined : this.#options.scrub(formatTrace(trouble));
          this.#options.onTrace?.(this.trace);
        },
      });
    } finally {
      this.#trouble = undefined;
      this.#inFlight = { task: undefined, sink: undefined };
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
    this.#options.onStateChange?.(state, this.trace);
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
  if (f[`${side}.converter`] === CLOUDEVENTS_CONVERTER)
    return createCloudEventsConverter({
      dataSchemasEnable: f['value.converter.json.schemas.enable'] !== false,
      extensionAttributes: f['value.converter.extension.attributes.enable'] !== false,
      decimalFormat: f['value.converter.json.decimal.format'] === 'NUMERIC' ? 'NUMERIC' : 'BASE64',
      replaceNullWithDefault: f['value.converter.json.replace.null.with.default'] !== false,
    });
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
