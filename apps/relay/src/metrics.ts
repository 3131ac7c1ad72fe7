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
  /** Whether the task reaches its database: true once it started, false while a source failure is retried. */
  sourceConnected(connected: boolean): void;
}

interface Counters {
  read: number;
  published: number;
  filtered: number;
  /** Failures by kind (the RelayError code, or `UNKNOWN`). */
  errors: Map<string, number>;
  committed: number;
  /** Publish time minus database commit time of the last published record (Debezium's MilliSecondsBehindSource). */
  lagMs: number | undefined;
  /** Database commit time of the last published record. */
  lastSourceTsMs: number | undefined;
  sourceConnected: boolean | undefined;
  sinkConnected: boolean | undefined;
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
        errors: new Map(),
        committed: 0,
        lagMs: undefined,
        lastSourceTsMs: undefined,
        sourceConnected: undefined,
        sinkConnected: undefined,
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
        if (sourceTsMs !== undefined) {
          counters.lagMs = Math.max(0, this.#now() - sourceTsMs);
          counters.lastSourceTsMs = sourceTsMs;
        }
      },
      recordsFiltered: (count) => {
        counters.filtered += count;
      },
      offsetsCommitted: (offset) => {
        counters.committed++;
        counters.position = offset;
      },
      error: (error) => {
        const code = (error as { code?: unknown } | null)?.code;
        const kind = typeof code === 'string' && /^[A-Z][A-Z_]*$/.test(code) ? code : 'UNKNOWN';
        counters.errors.set(kind, (counters.errors.get(kind) ?? 0) + 1);
      },
      sourceConnected: (connected) => {
        counters.sourceConnected = connected;
      },
      sinkConnected: (connected) => {
        counters.sinkConnected = connected;
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

  /** Debezium's MilliSecondsBehindSource stops moving when the connector is stuck (DBZ-8885); this does not. */
  #lag(c: Counters): number | undefined {
    const stuck = c.sourceConnected === false || c.sinkConnected === false;
    if (stuck && c.lastSourceTsMs !== undefined) return Math.max(0, this.#now() - c.lastSourceTsMs);
    return c.lagMs;
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
      'Task failures, retried or not, by kind (the error code: SOURCE_UNAVAILABLE, SINK_FAILED, …).',
      entries.flatMap(([connector, c]) =>
        [...c.errors.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([kind, n]) => `outflow_errors_total{connector="${esc(connector)}",kind="${esc(kind)}"} ${n}`),
      ),
    );
    family(
      'outflow_source_connected',
      'gauge',
      'Whether the task reaches its database (0 while a lost connection is retried).',
      perConnector('outflow_source_connected', (c) => gauge(c.sourceConnected)),
    );
    family(
      'outflow_sink_connected',
      'gauge',
      'Whether Kafka acknowledges the task’s records (0 while a send is stalled or failing).',
      perConnector('outflow_sink_connected', (c) => gauge(c.sinkConnected)),
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
      'How far behind the database the task is: publish time minus commit time of the last published ' +
        'record, growing with the clock while the database or Kafka cannot be reached.',
      perConnector('outflow_source_lag_milliseconds', (c) => this.#lag(c)),
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

function gauge(value: boolean | undefined): number | undefined {
  return value === undefined ? undefined : value ? 1 : 0;
}

function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
