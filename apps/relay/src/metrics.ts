import type { SourceOffset, TaskMetrics } from '@outflow/relay-core';

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
}

interface Counters {
  read: number;
  published: number;
  filtered: number;
  errors: number;
  committed: number;
  /** Publish time minus database commit time of the last published record (Debezium's MilliSecondsBehindSource). */
  lagMs: number | undefined;
  position: SourceOffset | undefined;
  state: string;
}

/**
 * The relay's metrics in Prometheus' text exposition format (version 0.0.4), written by hand: a handful of
 * counters per connector does not need a client library.
 */
export class RelayMetrics {
  readonly #connectors = new Map<string, Counters>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** The metrics sink of one connector; counters survive task restarts and go when the connector is deleted. */
  forConnector(connector: string): ConnectorMetrics {
    let c = this.#connectors.get(connector);
    if (c === undefined) {
      c = {
        read: 0,
        published: 0,
        filtered: 0,
        errors: 0,
        committed: 0,
        lagMs: undefined,
        position: undefined,
        state: 'UNASSIGNED',
      };
      this.#connectors.set(connector, c);
    }
    const counters = c;
    return {
      recordsRead: (count) => {
        counters.read += count;
      },
      recordsPublished: (count, sourceTsMs) => {
        counters.published += count;
        if (sourceTsMs !== undefined) counters.lagMs = Math.max(0, this.#now() - sourceTsMs);
      },
      recordsFiltered: (count) => {
        counters.filtered += count;
      },
      offsetsCommitted: (offset) => {
        counters.committed++;
        counters.position = offset;
      },
      error: () => {
        counters.errors++;
      },
      setState: (state) => {
        counters.state = state;
      },
    };
  }

  /** Forgets a deleted connector. */
  remove(connector: string): void {
    this.#connectors.delete(connector);
  }

  /** The `/metrics` body. */
  render(): string {
    const out: string[] = [];
    const entries = [...this.#connectors.entries()].sort(([a], [b]) => a.localeCompare(b));
    const family = (name: string, type: string, help: string, rows: string[]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows);
    };
    const perConnector = (name: string, pick: (c: Counters) => number | undefined): string[] =>
      entries.flatMap(([connector, c]) => {
        const value = pick(c);
        return value === undefined ? [] : [`${name}{connector="${esc(connector)}"} ${value}`];
      });
    family(
      'outflow_source_events_read_total',
      'counter',
      'Change events read from the source database.',
      perConnector('outflow_source_events_read_total', (c) => c.read),
    );
    family(
      'outflow_events_published_total',
      'counter',
      'Records acknowledged by Kafka.',
      perConnector('outflow_events_published_total', (c) => c.published),
    );
    family(
      'outflow_events_filtered_total',
      'counter',
      'Records dropped by a transform (e.g. outbox deletes).',
      perConnector('outflow_events_filtered_total', (c) => c.filtered),
    );
    family(
      'outflow_errors_total',
      'counter',
      'Task failures, retried or not.',
      perConnector('outflow_errors_total', (c) => c.errors),
    );
    family(
      'outflow_offsets_committed_total',
      'counter',
      'Offset flushes made durable.',
      perConnector('outflow_offsets_committed_total', (c) => c.committed),
    );
    family(
      'outflow_source_lag_milliseconds',
      'gauge',
      'How far behind the database the last published record was: publish time minus its commit time.',
      perConnector('outflow_source_lag_milliseconds', (c) => c.lagMs),
    );
    family(
      'outflow_source_position_info',
      'gauge',
      'Last committed source position (binlog file/pos, GTID set; LSN for PostgreSQL).',
      entries.flatMap(([connector, c]) => {
        if (c.position === undefined) return [];
        const labels = [`connector="${esc(connector)}"`];
        for (const key of ['file', 'pos', 'gtids', 'lsn'] as const) {
          const value = c.position[key];
          if (value !== undefined && value !== null)
            labels.push(`${key === 'gtids' ? 'gtid' : key}="${esc(String(value))}"`);
        }
        return [`outflow_source_position_info{${labels.join(',')}} 1`];
      }),
    );
    family(
      'outflow_connector_state',
      'gauge',
      'State of the connector task: 1 for the current state, 0 for the others.',
      entries.flatMap(([connector, c]) =>
        CONNECTOR_STATES.map(
          (s) =>
            `outflow_connector_state{connector="${esc(connector)}",state="${s}"} ${c.state === s ? 1 : 0}`,
        ),
      ),
    );
    family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [
      `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
    ]);
    family('process_uptime_seconds', 'gauge', 'Seconds since the process started.', [
      `process_uptime_seconds ${Math.round(process.uptime())}`,
    ]);
    return `${out.join('\n')}\n`;
  }
}

function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
