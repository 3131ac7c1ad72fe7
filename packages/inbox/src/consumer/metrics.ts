/**
 * The consumer's counters and their Prometheus text rendering (exposition format 0.0.4), written by hand: a
 * few labelled counters do not need a client library.
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

  /** Prometheus text: every counter (a zero sample when never incremented), then the lag gauge. */
  render(lag: readonly PartitionLag[], common: Record<string, string> = {}): string {
    const lines: string[] = [];
    for (const counter of Object.keys(HELP) as InboxCounter[]) {
      const [name, help] = HELP[counter];
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      const series = [...(this.#counters.get(counter)?.values() ?? [])];
      if (series.length === 0) lines.push(`${name}${labels(common)} 0`);
      for (const s of series) lines.push(`${name}${labels({ ...common, ...s.labels })} ${s.value}`);
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
