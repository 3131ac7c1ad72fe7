/**
 * The consumer's counters, histograms and lag gauge, in a `prom-client` registry of their own (one per
 * consumer; several may share a process), rendered with Node's runtime metrics (`process_*`, `nodejs_*`).
 * Every metric is declared once in {@link INBOX_METRICS}, which the README's table mirrors.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Counter names, as {@link InboxStats} reports them. */
export type InboxCounter =
  | 'consumed'
  | 'handled'
  | 'duplicates'
  | 'unhandled'
  | 'retried'
  | 'deadLettered'
  | 'skipped'
  | 'cleanupDeleted';

/** Totals since start, over every topic and type. */
export type InboxStats = Readonly<Record<InboxCounter, number>>;

/** Histogram names, as {@link InboxMetrics.timings} reports them. */
export type InboxHistogram = 'handler' | 'transaction' | 'offsetCommit' | 'endToEnd' | 'batchRecords';

/** One metric of the inbox: what the consumer's `/metrics` text shows and the README's table lists. */
export interface InboxMetricSpec {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** Labels besides `group`, which every series has. */
  readonly labels: readonly string[];
  readonly help: string;
}

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RECORDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

const COUNTERS: Readonly<Record<InboxCounter, InboxMetricSpec>> = {
  consumed: {
    name: 'outflow_inbox_consumed_total',
    type: 'counter',
    labels: ['topic'],
    help: 'Records read from Kafka.',
  },
  handled: {
    name: 'outflow_inbox_handled_total',
    type: 'counter',
    labels: ['topic', 'type'],
    help: 'Events whose handler committed.',
  },
  duplicates: {
    name: 'outflow_inbox_duplicates_total',
    type: 'counter',
    labels: ['topic'],
    help: 'Events skipped because the inbox already had their id.',
  },
  unhandled: {
    name: 'outflow_inbox_unhandled_total',
    type: 'counter',
    labels: ['topic', 'type'],
    help: 'Events recorded and skipped because no handler takes their type.',
  },
  retried: {
    name: 'outflow_inbox_retried_total',
    type: 'counter',
    labels: ['topic'],
    help: 'Handler attempts that failed and were retried.',
  },
  deadLettered: {
    name: 'outflow_inbox_dead_lettered_total',
    type: 'counter',
    labels: ['topic', 'reason'],
    help: 'Records written to the dead-letter topic.',
  },
  skipped: {
    name: 'outflow_inbox_skipped_total',
    type: 'counter',
    labels: ['topic', 'reason'],
    help: 'Tombstones and Debezium deletes, skipped without a handler.',
  },
  cleanupDeleted: {
    name: 'outflow_inbox_cleanup_deleted_total',
    type: 'counter',
    labels: [],
    help: 'Inbox rows deleted by the retention cleanup.',
  },
};

const HISTOGRAMS: Readonly<
  Record<InboxHistogram, InboxMetricSpec & { bounds: readonly number[]; perMs: number }>
> = {
  handler: {
    name: 'outflow_inbox_handler_seconds',
    type: 'histogram',
    labels: [],
    help: 'Time in one handler call (a batch handler’s call covers its run of events).',
    bounds: SECONDS,
    perMs: 1000,
  },
  transaction: {
    name: 'outflow_inbox_transaction_seconds',
    type: 'histogram',
    labels: [],
    help: 'One database transaction, BEGIN to COMMIT (a batch or one record).',
    bounds: SECONDS,
    perMs: 1000,
  },
  offsetCommit: {
    name: 'outflow_inbox_offset_commit_seconds',
    type: 'histogram',
    labels: [],
    help: 'One Kafka offset commit.',
    bounds: SECONDS,
    perMs: 1000,
  },
  endToEnd: {
    name: 'outflow_inbox_end_to_end_seconds',
    type: 'histogram',
    labels: [],
    help: "From a record's timestamp to the commit of the transaction that applied it.",
    bounds: SECONDS,
    perMs: 1000,
  },
  batchRecords: {
    name: 'outflow_inbox_batch_records',
    type: 'histogram',
    labels: [],
    help: 'Records handled in one transaction.',
    bounds: RECORDS,
    perMs: 1,
  },
};

const LAG: InboxMetricSpec = {
  name: 'outflow_inbox_lag_records',
  type: 'gauge',
  labels: ['topic', 'partition'],
  help: 'Records not yet committed by the group: high watermark minus committed offset, per partition this member owns.',
};

/** Every metric of the consumer, declared once (the README's table is generated from it). */
export const INBOX_METRICS: readonly InboxMetricSpec[] = [
  ...Object.values(COUNTERS),
  ...Object.values(HISTOGRAMS).map(({ name, type, labels, help }) => ({ name, type, labels, help })),
  LAG,
];

/** A summary of one histogram: observations, their sum, and quantiles estimated from the buckets. */
export interface TimingSummary {
  readonly count: number;
  /** Sum of the observations (milliseconds, or records for `batchRecords`). */
  readonly sum: number;
  /** Upper bound of the bucket holding the median / 99th percentile (same unit as `sum`). */
  readonly p50: number;
  readonly p99: number;
}

/** Consumer lag of one partition: high watermark minus the group's committed offset. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

/** Node's runtime metrics, collected once per process and shown by every consumer's `metrics()`. */
let runtime: Registry | undefined;
function runtimeRegistry(): Registry {
  if (runtime === undefined) {
    runtime = new Registry();
    collectDefaultMetrics({ register: runtime });
  }
  return runtime;
}

/** The metrics of one consumer (group). */
export class InboxMetrics {
  /** The consumer's own series, without the runtime ones: merge it into an application's registry. */
  readonly registry = new Registry();
  readonly #group: string;
  readonly #counters = new Map<InboxCounter, Counter<string>>();
  readonly #histograms = new Map<InboxHistogram, Histogram<string>>();
  readonly #lag: Gauge<string>;
  /** Totals per counter, kept as plain numbers so `stats()` answers synchronously. */
  readonly #totals = new Map<InboxCounter, number>();

  /** `topics`: the subscribed topics, whose per-topic counters start at 0 so rates see their first increment. */
  constructor(options: { group?: string; topics?: readonly string[] } = {}) {
    this.#group = options.group ?? '';
    const registers = [this.registry];
    for (const [key, spec] of Object.entries(COUNTERS) as [InboxCounter, InboxMetricSpec][]) {
      const counter = new Counter({
        name: spec.name,
        help: spec.help,
        labelNames: ['group', ...spec.labels],
        registers,
      });
      this.#counters.set(key, counter);
      this.#totals.set(key, 0);
      if (spec.labels.length === 0) counter.inc({ group: this.#group }, 0);
      else if (spec.labels.length === 1)
        for (const topic of options.topics ?? []) counter.inc({ group: this.#group, topic }, 0);
    }
    for (const [key, spec] of Object.entries(HISTOGRAMS) as [
      InboxHistogram,
      (typeof HISTOGRAMS)['handler'],
    ][]) {
      const histogram = new Histogram({
        name: spec.name,
        help: spec.help,
        labelNames: ['group'],
        buckets: [...spec.bounds],
        registers,
      });
      histogram.zero({ group: this.#group });
      this.#histograms.set(key, histogram);
    }
    this.#lag = new Gauge({
      name: LAG.name,
      help: LAG.help,
      labelNames: ['group', ...LAG.labels],
      registers,
    });
  }

  /** Records one observation: milliseconds for the timings, a record count for `batchRecords`. */
  observe(histogram: InboxHistogram, value: number): void {
    const { perMs } = HISTOGRAMS[histogram];
    this.#histograms.get(histogram)?.observe({ group: this.#group }, perMs === 1 ? value : value / perMs);
  }

  /** Adds `by` (default 1) to `counter` under `labelValues` (e.g. `{ topic, type }`). */
  inc(counter: InboxCounter, labelValues: Record<string, string> = {}, by = 1): void {
    this.#counters.get(counter)?.inc({ group: this.#group, ...labelValues }, by);
    this.#totals.set(counter, (this.#totals.get(counter) ?? 0) + by);
  }

  /** Totals per counter, summed over labels. */
  stats(): InboxStats {
    return Object.fromEntries(this.#totals) as Record<InboxCounter, number>;
  }

  /** Per histogram: count, sum and estimated p50/p99, in milliseconds (records for `batchRecords`). */
  async timings(): Promise<Readonly<Record<InboxHistogram, TimingSummary>>> {
    const out = {} as Record<InboxHistogram, TimingSummary>;
    for (const [key, histogram] of this.#histograms) {
      const scale = HISTOGRAMS[key].perMs;
      const { values } = await histogram.get();
      const buckets = values
        .filter((v) => v.metricName?.endsWith('_bucket'))
        .map((v) => ({ le: Number(v.labels.le), cumulative: v.value }));
      const count = values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
      const sum = values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
      const quantile = (q: number): number => {
        if (count === 0) return 0;
        const bucket = buckets.find((b) => b.cumulative >= q * count && b.cumulative > 0);
        return (bucket?.le ?? Infinity) * scale;
      };
      out[key] = { count, sum: sum * scale, p50: quantile(0.5), p99: quantile(0.99) };
    }
    return out;
  }

  /** Prometheus text: the counters, histograms and per-partition lag, then Node's runtime metrics. */
  async render(lag: readonly PartitionLag[]): Promise<string> {
    this.#lag.reset();
    for (const l of lag)
      this.#lag.set({ group: this.#group, topic: l.topic, partition: String(l.partition) }, l.lag);
    return `${await this.registry.metrics()}\n${await runtimeRegistry().metrics()}`;
  }
}
