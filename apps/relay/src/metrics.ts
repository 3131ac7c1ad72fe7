import type { SourceBacklog, SourceOffset, SourceTask, TaskMetrics } from '@outflow/relay-core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The states a connector's task reports, as Kafka Connect names them. */
export const CONNECTOR_STATES = [
  'UNASSIGNED',
  'RUNNING',
  'PAUSED',
  'STOPPED',
  'FAILED',
  'RESTARTING',
] as const;

/** A connector's counters: fed by the task loop's `TaskMetrics`, plus the state the herder reports. */
export interface ConnectorMetrics extends TaskMetrics {
  setState(state: string): void;
  /** Whether the task reaches its database: true once it started, false while a source failure is retried. */
  sourceConnected(connected: boolean): void;
}

/** One metric the relay exports: what `/metrics` shows and what the docs' metrics table lists. */
export interface MetricSpec {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labels: readonly string[];
  readonly help: string;
}

/** Buckets of the latency histograms, in seconds: from a few milliseconds to minutes behind. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Every metric of the relay, declared once: registered from this list and rendered into the docs from it.
 * Prometheus conventions: base units (seconds, bytes), `_total` counters, `_info` for labels-only series.
 */
export const RELAY_METRICS = {
  read: {
    name: 'outflow_source_events_read_total',
    type: 'counter',
    labels: ['connector'],
    help: 'Change events read from the source database.',
  },
  published: {
    name: 'outflow_events_published_total',
    type: 'counter',
    labels: ['connector'],
    help: 'Records acknowledged by Kafka.',
  },
  filtered: {
    name: 'outflow_events_filtered_total',
    type: 'counter',
    labels: ['connector'],
    help: 'Records dropped by a transform (e.g. outbox deletes).',
  },
  errors: {
    name: 'outflow_errors_total',
    type: 'counter',
    labels: ['connector', 'kind'],
    help: 'Task failures, retried or not, by kind (the error code: SOURCE_UNAVAILABLE, SINK_FAILED, …).',
  },
  committed: {
    name: 'outflow_offsets_committed_total',
    type: 'counter',
    labels: ['connector'],
    help: 'Offset flushes made durable.',
  },
  sourceConnected: {
    name: 'outflow_source_connected',
    type: 'gauge',
    labels: ['connector'],
    help: 'Whether the task reaches its database (0 while a lost connection is retried).',
  },
  sinkConnected: {
    name: 'outflow_sink_connected',
    type: 'gauge',
    labels: ['connector'],
    help: 'Whether Kafka acknowledges the task’s records (0 while a send is stalled or failing).',
  },
  lag: {
    name: 'outflow_source_lag_seconds',
    type: 'gauge',
    labels: ['connector'],
    help:
      'Time behind the source: now minus the database commit time of the oldest change not yet in Kafka; 0 only ' +
      'when nothing is waiting (no record in hand, the log read to its end). Keeps growing while the relay is ' +
      'stuck, paused or reading nothing though the log moved on (unlike MilliSecondsBehindSource, DBZ-8885).',
  },
  backlogEvents: {
    name: 'outflow_source_backlog_events',
    type: 'gauge',
    labels: ['connector'],
    help: 'Changes read from the log and not yet acknowledged by Kafka: the source queue plus the batch being sent.',
  },
  backlogBytes: {
    name: 'outflow_source_backlog_bytes',
    type: 'gauge',
    labels: ['connector'],
    help:
      'Log bytes between the task’s read position and the database log’s end (binlog; PostgreSQL: WAL of the ' +
      'whole server, known at the walsender’s keepalives). Absent while the task has no position.',
  },
  queue: {
    name: 'outflow_source_queue_records',
    type: 'gauge',
    labels: ['connector'],
    help: 'Records read from the database waiting in the source queue for the task loop (max.queue.size).',
  },
  inFlight: {
    name: 'outflow_sink_in_flight_records',
    type: 'gauge',
    labels: ['connector'],
    help: 'Records sent to Kafka and not yet acknowledged.',
  },
  commitToPublish: {
    name: 'outflow_commit_to_publish_seconds',
    type: 'histogram',
    labels: ['connector'],
    help: 'From the database commit of a change to Kafka’s acknowledgement of its record.',
  },
  send: {
    name: 'outflow_sink_send_seconds',
    type: 'histogram',
    labels: ['connector'],
    help: 'One send of a batch to Kafka, until acknowledged (acks=all) or failed.',
  },
  position: {
    name: 'outflow_source_position_info',
    type: 'gauge',
    labels: ['connector', 'file', 'pos', 'gtid', 'lsn'],
    help: 'Last committed source position (binlog file/pos, GTID set; LSN for PostgreSQL).',
  },
  state: {
    name: 'outflow_connector_state',
    type: 'gauge',
    labels: ['connector', 'state'],
    help: 'State of the connector task: 1 for the current state, 0 for the others.',
  },
  uptime: {
    name: 'process_uptime_seconds',
    type: 'gauge',
    labels: [],
    help: 'Seconds since the process started.',
  },
} as const satisfies Record<string, MetricSpec>;

/**
 * Node's runtime metrics (`prom-client`'s defaults: `process_*` CPU, memory, file descriptors, start time;
 * `nodejs_*` event loop lag, heap, GC, active handles), named here for the docs and the dashboard lint.
 */
export const RUNTIME_METRICS: readonly MetricSpec[] = [
  { name: 'process_cpu_seconds_total', type: 'counter', labels: [], help: 'User and system CPU time.' },
  { name: 'process_resident_memory_bytes', type: 'gauge', labels: [], help: 'Resident memory size.' },
  { name: 'process_start_time_seconds', type: 'gauge', labels: [], help: 'Start time, since the epoch.' },
  { name: 'process_open_fds', type: 'gauge', labels: [], help: 'Open file descriptors.' },
  {
    name: 'nodejs_eventloop_lag_seconds',
    type: 'gauge',
    labels: [],
    help: 'Event loop lag (also `_p50`, `_p90`, `_p99`, `_max` variants).',
  },
  { name: 'nodejs_heap_size_used_bytes', type: 'gauge', labels: [], help: 'V8 heap used.' },
  { name: 'nodejs_gc_duration_seconds', type: 'histogram', labels: ['kind'], help: 'Garbage collections.' },
  { name: 'nodejs_active_handles_total', type: 'gauge', labels: [], help: 'Active libuv handles.' },
];

/** How long a backlog answer is reused: scrapes do not each query every database. */
const BACKLOG_CACHE_MS = 1000;
/** A database that does not answer the backlog query within this is reported without it. */
const BACKLOG_TIMEOUT_MS = 2000;

/** Node's runtime metrics, collected once per process however many relays it runs (tests run several). */
let runtime: Registry | undefined;
function runtimeRegistry(): Registry {
  if (runtime === undefined) {
    runtime = new Registry();
    collectDefaultMetrics({ register: runtime });
  }
  return runtime;
}

interface Connector {
  readonly name: string;
  task: Pick<SourceTask, 'pending' | 'backlog'> | null;
  state: string;
  sourceConnected: boolean | undefined;
  sinkConnected: boolean | undefined;
  /** Commit time of the newest published change. */
  lastPublishedTsMs: number | undefined;
  /** The batch being sent: its size and the commit time of its oldest change. */
  sending: { records: number; oldestTsMs: number | undefined } | undefined;
  /** The last moment nothing was waiting: every change committed before it was in Kafka. */
  caughtUpAtMs: number;
  backlog: { at: number; value: SourceBacklog | undefined } | undefined;
  probing: Promise<void> | undefined;
  errorKinds: Set<string>;
  positionLabels: Record<string, string> | undefined;
}

/**
 * The relay's metrics, in a `prom-client` registry of its own (several relays may share a process in tests;
 * `registry` holds the relay's series, without the runtime ones `render` adds).
 * Counters and histograms are fed by the task loop; the lag and backlog gauges are computed when scraped,
 * asking the running task what it holds and how far the log's end is.
 */
export class RelayMetrics {
  readonly registry = new Registry();
  readonly #connectors = new Map<string, Connector>();
  readonly #now: () => number;
  readonly #counters: {
    read: Counter<'connector'>;
    published: Counter<'connector'>;
    filtered: Counter<'connector'>;
    committed: Counter<'connector'>;
    errors: Counter<'connector' | 'kind'>;
  };
  readonly #gauges: {
    sourceConnected: Gauge<'connector'>;
    sinkConnected: Gauge<'connector'>;
    position: Gauge<string>;
    state: Gauge<'connector' | 'state'>;
  };
  readonly #commitToPublish: Histogram<'connector'>;
  readonly #send: Histogram<'connector'>;
  readonly #runtime: boolean;

  constructor(options: { now?: () => number; runtime?: boolean } = {}) {
    this.#now = options.now ?? Date.now;
    const registers = [this.registry];
    const counter = <L extends string>(spec: MetricSpec) =>
      new Counter<L>({ name: spec.name, help: spec.help, labelNames: spec.labels as L[], registers });
    const gauge = <L extends string>(spec: MetricSpec, collect?: (g: Gauge<L>) => void | Promise<void>) =>
      new Gauge<L>({
        name: spec.name,
        help: spec.help,
        labelNames: spec.labels as L[],
        registers,
        ...(collect === undefined
          ? {}
          : {
              collect(this: Gauge<L>) {
                return collect(this);
              },
            }),
      });
    const histogram = (spec: MetricSpec) =>
      new Histogram<'connector'>({
        name: spec.name,
        help: spec.help,
        labelNames: ['connector'],
        buckets: LATENCY_BUCKETS,
        registers,
      });
    const m = RELAY_METRICS;
    this.#counters = {
      read: counter(m.read),
      published: counter(m.published),
      filtered: counter(m.filtered),
      errors: counter(m.errors),
      committed: counter(m.committed),
    };
    this.#gauges = {
      sourceConnected: gauge(m.sourceConnected),
      sinkConnected: gauge(m.sinkConnected),
      position: gauge(m.position),
      state: gauge(m.state),
    };
    gauge<'connector'>(m.lag, async (g) => {
      g.reset();
      for (const c of this.#connectors.values()) {
        const seconds = await this.#lagSeconds(c);
        if (seconds !== undefined) g.set({ connector: c.name }, seconds);
      }
    });
    gauge<'connector'>(m.backlogEvents, (g) => {
      g.reset();
      for (const c of this.#connectors.values()) {
        if (c.task === null) continue;
        g.set({ connector: c.name }, (c.task.pending?.().records ?? 0) + (c.sending?.records ?? 0));
      }
    });
    gauge<'connector'>(m.backlogBytes, async (g) => {
      g.reset();
      for (const c of this.#connectors.values()) {
        const backlog = await this.#backlog(c);
        if (backlog !== undefined) g.set({ connector: c.name }, backlog.bytes);
      }
    });
    gauge<'connector'>(m.queue, (g) => {
      g.reset();
      for (const c of this.#connectors.values()) {
        const pending = c.task?.pending?.();
        if (pending !== undefined) g.set({ connector: c.name }, pending.records);
      }
    });
    gauge<'connector'>(m.inFlight, (g) => {
      g.reset();
      for (const c of this.#connectors.values())
        if (c.task !== null) g.set({ connector: c.name }, c.sending?.records ?? 0);
    });
    gauge(m.uptime, (g) => g.set(Math.round(process.uptime())));
    this.#commitToPublish = histogram(m.commitToPublish);
    this.#send = histogram(m.send);
    this.#runtime = options.runtime !== false;
  }

  /** The metrics sink of one connector; counters survive task restarts and go when the connector is deleted. */
  forConnector(connector: string): ConnectorMetrics {
    let c = this.#connectors.get(connector);
    if (c === undefined) {
      c = {
        name: connector,
        task: null,
        state: 'UNASSIGNED',
        sourceConnected: undefined,
        sinkConnected: undefined,
        lastPublishedTsMs: undefined,
        sending: undefined,
        caughtUpAtMs: this.#now(),
        backlog: undefined,
        probing: undefined,
        errorKinds: new Set(),
        positionLabels: undefined,
      };
      this.#connectors.set(connector, c);
      // Counters start at 0, so a rate over the first increment is not lost.
      for (const counter of [this.#counters.read, this.#counters.published, this.#counters.filtered])
        counter.inc({ connector }, 0);
      this.#counters.committed.inc({ connector }, 0);
      this.#setState(c, c.state);
    }
    const s = c;
    const labels = { connector };
    return {
      recordsRead: (count) => this.#counters.read.inc(labels, count),
      recordsPublished: (count, sourceTsMs) => {
        this.#counters.published.inc(labels, count);
        s.sending = undefined;
        if (sourceTsMs !== undefined) s.lastPublishedTsMs = sourceTsMs;
      },
      recordsFiltered: (count) => this.#counters.filtered.inc(labels, count),
      offsetsCommitted: (offset) => {
        this.#counters.committed.inc(labels);
        this.#setPosition(s, offset);
      },
      error: (error) => {
        const code = (error as { code?: unknown } | null)?.code;
        const kind = typeof code === 'string' && /^[A-Z][A-Z_]*$/.test(code) ? code : 'UNKNOWN';
        s.errorKinds.add(kind);
        this.#counters.errors.inc({ connector, kind });
      },
      sourceConnected: (connected) => {
        s.sourceConnected = connected;
        this.#gauges.sourceConnected.set(labels, connected ? 1 : 0);
      },
      sinkConnected: (connected) => {
        s.sinkConnected = connected;
        this.#gauges.sinkConnected.set(labels, connected ? 1 : 0);
      },
      setState: (state) => this.#setState(s, state),
      sourceTask: (task) => {
        s.task = task;
        s.backlog = undefined;
        if (task === null) s.sending = undefined;
      },
      sendStarted: (records, oldestSourceTsMs) => {
        s.sending = { records, oldestTsMs: oldestSourceTsMs };
      },
      sendEnded: (seconds) => {
        this.#send.observe(labels, seconds);
      },
      published: (sourceTsMs, publishedAtMs) => {
        s.sending = undefined;
        for (const ts of sourceTsMs)
          this.#commitToPublish.observe(labels, Math.max(0, publishedAtMs - ts) / 1000);
      },
    };
  }

  /** Forgets a deleted connector. */
  remove(connector: string): void {
    const c = this.#connectors.get(connector);
    if (c === undefined) return;
    this.#connectors.delete(connector);
    const labels = { connector };
    for (const counter of [
      this.#counters.read,
      this.#counters.published,
      this.#counters.filtered,
      this.#counters.committed,
    ])
      counter.remove(labels);
    for (const kind of c.errorKinds) this.#counters.errors.remove({ connector, kind });
    this.#gauges.sourceConnected.remove(labels);
    this.#gauges.sinkConnected.remove(labels);
    for (const state of CONNECTOR_STATES) this.#gauges.state.remove({ connector, state });
    if (c.positionLabels !== undefined) this.#gauges.position.remove(c.positionLabels);
    this.#commitToPublish.remove(labels);
    this.#send.remove(labels);
  }

  /** The `/metrics` body, in Prometheus' text format: the relay's series, then Node's runtime ones. */
  async render(): Promise<string> {
    const own = await this.registry.metrics();
    return this.#runtime ? `${own}\n${await runtimeRegistry().metrics()}` : own;
  }

  /** The `Content-Type` of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #setState(c: Connector, state: string): void {
    c.state = state;
    for (const s of CONNECTOR_STATES)
      this.#gauges.state.set({ connector: c.name, state: s }, s === state ? 1 : 0);
  }

  #setPosition(c: Connector, offset: SourceOffset): void {
    const labels: Record<string, string> = { connector: c.name };
    for (const key of ['file', 'pos', 'gtids', 'lsn'] as const) {
      const value = offset[key];
      if (value !== undefined && value !== null) labels[key === 'gtids' ? 'gtid' : key] = String(value);
    }
    if (c.positionLabels !== undefined) this.#gauges.position.remove(c.positionLabels);
    c.positionLabels = labels;
    this.#gauges.position.set(labels, 1);
  }

  /** The task's backlog, asked at most once a second; undefined when unknown (no task, no answer). */
  async #backlog(c: Connector): Promise<SourceBacklog | undefined> {
    const task = c.task;
    if (task?.backlog === undefined) return undefined;
    if (c.backlog !== undefined && this.#now() - c.backlog.at < BACKLOG_CACHE_MS) return c.backlog.value;
    c.probing ??= (async () => {
      let value: SourceBacklog | undefined;
      try {
        value = await Promise.race([
          task.backlog?.(),
          new Promise<undefined>((resolve) =>
            setTimeout(() => resolve(undefined), BACKLOG_TIMEOUT_MS).unref(),
          ),
        ]);
      } catch {
        value = undefined;
      }
      if (c.task === task) c.backlog = { at: this.#now(), value };
    })().finally(() => {
      c.probing = undefined;
    });
    await c.probing;
    return c.backlog?.value;
  }

  /**
   * Seconds behind the source. A change in hand (being sent, or queued in the source) gives its commit time
   * exactly. Otherwise the relay is behind when the log's end is past its read position (a binlog says so
   * exactly), or when it cannot tell because the database or Kafka is unreachable or the task is not running;
   * then every change committed since the last moment nothing was waiting may be missing, so the lag is
   * measured from then (or from the newest published change, if later). Caught up, it is 0.
   */
  async #lagSeconds(c: Connector): Promise<number | undefined> {
    const now = this.#now();
    const since = (ms: number) => Math.max(0, now - ms) / 1000;
    if (c.state === 'UNASSIGNED' && c.lastPublishedTsMs === undefined && c.task === null) return undefined;
    const caughtUp = Math.max(c.caughtUpAtMs, c.lastPublishedTsMs ?? 0);
    const sendingTs = c.sending?.oldestTsMs;
    const pending = c.task?.pending?.();
    const oldestInHand = [sendingTs, pending?.oldestSourceTsMs].filter((t): t is number => t !== undefined);
    if (oldestInHand.length > 0) return since(Math.min(...oldestInHand));
    const blind =
      c.task === null || c.state !== 'RUNNING' || c.sourceConnected === false || c.sinkConnected === false;
    if (blind || (pending?.records ?? 0) > 0 || (c.sending?.records ?? 0) > 0) return since(caughtUp);
    // A source that cannot tell where its log ends counts as caught up once nothing is in hand.
    if (c.task?.backlog !== undefined) {
      const backlog = await this.#backlog(c);
      if (backlog === undefined || (backlog.bytes > 0 && backlog.exact)) return since(caughtUp);
    }
    c.caughtUpAtMs = now;
    return 0;
  }
}
