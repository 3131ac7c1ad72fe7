/**
 * The consumer's counters and histograms and their Prometheus text rendering (exposition format 0.0.4),
 * written by hand: a few labelled counters and fixed-bucket histograms do not need a client library.
 */

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

const HELP: Readonly<Record<InboxCounter, [name: string, help: string]>> = {
  consumed: ['outflow_inbox_consumed_total', 'Records read from Kafka.'],
  handled: ['outflow_inbox_handled_total', 'Events whose handler committed.'],
  duplicates: ['outflow_inbox_duplicates_total', 'Events skipped because the inbox already had their id.'],
  unhandled: [
    'outflow_inbox_unhandled_total',
    'Events recorded and skipped because no handler takes their type.',
  ],
  retried: ['outflow_inbox_retried_total', 'Handler attempts that failed and were retried.'],
  deadLettered: ['outflow_inbox_dead_lettered_total', 'Records written to the dead-letter topic.'],
  skipped: ['outflow_inbox_skipped_total', 'Tombstones and Debezium deletes, skipped without a handler.'],
  cleanupDeleted: ['outflow_inbox_cleanup_deleted_total', 'Inbox rows deleted by the retention cleanup.'],
};

/** Histogram names, as {@link InboxMetrics.timings} reports them. */
export type InboxHistogram = 'handler' | 'transaction' | 'offsetCommit' | 'endToEnd' | 'batchRecords';

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RECORDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

const HISTOGRAMS: Readonly<
  Record<InboxHistogram, [name: string, help: string, bounds: readonly number[], perMs: number]>
> = {
  handler: ['outflow_inbox_handler_seconds', 'Time in one handler call.', SECONDS, 1000],
  transaction: [
    'outflow_inbox_transaction_seconds',
    'One database transaction, BEGIN to COMMIT (a batch or one record).',
    SECONDS,
    1000,
  ],
  offsetCommit: ['outflow_inbox_offset_commit_seconds', 'One Kafka offset commit.', SECONDS, 1000],
  endToEnd: [
    'outflow_inbox_end_to_end_seconds',
    "From a record's timestamp to the commit of the transaction that applied it.",
    SECONDS,
    1000,
  ],
  batchRecords: ['outflow_inbox_batch_records', 'Records handled in one transaction.', RECORDS, 1],
};

/** A summary of one histogram: observations, their sum, and quantiles estimated from the buckets. */
export interface TimingSummary {
  readonly count: number;
  /** Sum of the observations (milliseconds, or records for `batchRecords`). */
  readonly sum: number;
  /** Upper bound of the bucket holding the median / 99th percentile (same unit as `sum`). */
  readonly p50: number;
  readonly p99: number;
}

class Histogram {
  readonly bounds: readonly number[];
  readonly counts: number[];
  count = 0;
  sum = 0;
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array(bounds.length + 1).fill(0);
  }
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
    this.sum += value;
  }
  quantile(q: number): number {
    const rank = q * this.count;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank && seen > 0) return this.bounds[i] ?? Infinity;
    }
    return 0;
  }
}

/** Consumer lag of one partition: high watermark minus the group's committed offset. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function labels(entries: Record<string, string>): string {
  const parts = Object.entries(entries).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Labelled counters of one consumer. */
export class InboxMetrics {
  readonly #counters = new Map<
    InboxCounter,
    Map<string, { labels: Record<string, string>; value: number }>
  >();
  readonly #histograms = new Map<InboxHistogram, Histogram>(
    (Object.keys(HISTOGRAMS) as InboxHistogram[]).map((h) => [h, new Histogram(HISTOGRAMS[h][2])]),
  );

  /** Records one observation: milliseconds for the timings, a record count for `batchRecords`. */
  observe(histogram: InboxHistogram, value: number): void {
    const [, , , perMs] = HISTOGRAMS[histogram];
    this.#histograms.get(histogram)?.observe(perMs === 1 ? value : value / perMs);
  }

  /** Per histogram: count, sum and estimated p50/p99, in milliseconds (records for `batchRecords`). */
  timings(): Readonly<Record<InboxHistogram, TimingSummary>> {
    const out = {} as Record<InboxHistogram, TimingSummary>;
    for (const [name, h] of this.#histograms) {
      const scale = HISTOGRAMS[name][3];
      out[name] = {
        count: h.count,
        sum: h.sum * scale,
        p50: h.quantile(0.5) * scale,
        p99: h.quantile(0.99) * scale,
      };
    }
    return out;
  }

  /** Adds `by` (default 1) to `counter` under `labelValues` (e.g. `{ topic, type }`). */
  inc(counter: InboxCounter, labelValues: Record<string, string> = {}, by = 1): void {
    let series = this.#counters.get(counter);
    if (series === undefined) {
      series = new Map();
      this.#counters.set(counter, series);
    }
    const key = JSON.stringify(labelValues);
    const entry = series.get(key);
    if (entry === undefined) series.set(key, { labels: labelValues, value: by });
    else entry.value += by;
  }

  /** Totals per counter, summed over labels. */
  stats(): InboxStats {
    const out = {} as Record<InboxCounter, number>;
    for (const counter of Object.keys(HELP) as InboxCounter[]) {
      let total = 0;
      for (const entry of this.#counters.get(counter)?.values() ?? []) total += entry.value;
      out[counter] = total;
    }
    return out;
  }

  /** Prometheus text: every counter (a zero sample when never incremented), the histograms, the lag gauge. */
  render(lag: readonly PartitionLag[], common: Record<string, string> = {}): string {
    const lines: string[] = [];
    for (const counter of Object.keys(HELP) as InboxCounter[]) {
      const [name, help] = HELP[counter];
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      const series = [...(this.#counters.get(counter)?.values() ?? [])];
      if (series.length === 0) lines.push(`${name}${labels(common)} 0`);
      for (const s of series) lines.push(`${name}${labels({ ...common, ...s.labels })} ${s.value}`);
    }
    for (const [name, h] of this.#histograms) {
      const [metric, help] = HISTOGRAMS[name];
      lines.push(`# HELP ${metric} ${help}`, `# TYPE ${metric} histogram`);
      let cumulative = 0;
      h.bounds.forEach((bound, i) => {
        cumulative += h.counts[i] as number;
        lines.push(`${metric}_bucket${labels({ ...common, le: String(bound) })} ${cumulative}`);
      });
      lines.push(`${metric}_bucket${labels({ ...common, le: '+Inf' })} ${h.count}`);
      lines.push(`${metric}_sum${labels(common)} ${h.sum}`, `${metric}_count${labels(common)} ${h.count}`);
    }
    lines.push(
      '# HELP outflow_inbox_lag Records not yet committed by the group: high watermark minus committed offset.',
      '# TYPE outflow_inbox_lag gauge',
    );
    for (const l of lag) {
      lines.push(
        `outflow_inbox_lag${labels({ ...common, topic: l.topic, partition: String(l.partition) })} ${l.lag}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
