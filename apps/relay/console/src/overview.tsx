import { api, type Expanded, enc, metricByConnector, type OffsetEntry, type Rates, text } from './api.ts';
import { RateChart } from './chart.tsx';
import { bytes, Card, duration, ErrorLine, rate, StateBadge, usePoll } from './ui.tsx';

/** Lag as the relay's `/metrics` names it (milliseconds today; seconds once it follows the base-unit rule). */
const LAG_METRICS = ['outflow_source_lag_milliseconds', 'outflow_source_lag_seconds'];

/** `GET /cluster` of a relay that is one worker of a cluster (404 for a relay that runs alone). */
interface ClusterAnswer {
  generation: number;
  leader: string | null;
  workers: { worker_id: string; url: string; leader: boolean; self: boolean; connectors: string[] }[];
}

interface OverviewData {
  cluster: ClusterAnswer | undefined;
  connectors: Expanded;
  rates: Rates;
  lagMs: Map<string, number>;
  offsets: Map<string, OffsetEntry[]>;
}

async function load(): Promise<OverviewData> {
  const [connectors, rates, metrics, cluster] = await Promise.all([
    api<Expanded>('GET', '/connectors?expand=status&expand=info'),
    api<Rates>('GET', '/console/api/rates'),
    text('/metrics').catch(() => ''),
    api<ClusterAnswer>('GET', '/cluster').catch(() => undefined),
  ]);
  const lagMs = new Map<string, number>();
  for (const [name, sample] of metricByConnector(metrics, LAG_METRICS))
    lagMs.set(name, sample.name.endsWith('_seconds') ? sample.value * 1000 : sample.value);
  const offsets = new Map<string, OffsetEntry[]>();
  await Promise.all(
    Object.keys(connectors).map(async (name) => {
      try {
        offsets.set(
          name,
          (await api<{ offsets: OffsetEntry[] }>('GET', `/connectors/${enc(name)}/offsets`)).offsets,
        );
      } catch {
        // deleted meanwhile, or the offsets store is unreachable: shown as unknown
      }
    }),
  );
  return { cluster, connectors, rates, lagMs, offsets };
}

export function OverviewPage() {
  const { data, error } = usePoll(load, 2000);
  if (data === undefined) return <ErrorLine error={error} />;
  const names = Object.keys(data.connectors).sort();
  const series = Object.entries(data.rates.connectors).filter(([name]) => names.includes(name));
  const longest = series.reduce<number[]>((x, [, s]) => (s.t.length > x.length ? s.t : x), []);
  const pad = (values: number[]) => [
    ...new Array<null>(longest.length - values.length).fill(null),
    ...values,
  ];
  return (
    <>
      <ErrorLine error={error} />
      {data.cluster !== undefined && (
        <p class="cluster" data-workers={String(data.cluster.workers.length)}>
          Cluster of {data.cluster.workers.length} worker{data.cluster.workers.length === 1 ? '' : 's'}{' '}
          (generation {data.cluster.generation}):{' '}
          {data.cluster.workers.map((w) => (
            <span key={w.worker_id} class="worker mono" title={w.connectors.join(', ') || 'no connector'}>
              {w.url === '' ? w.worker_id : <a href={`${w.url}/console/`}>{w.worker_id}</a>}
              {w.leader ? ' (leader)' : ''}
              {w.self ? ' (this page)' : ''}
            </span>
          ))}
          . Rates count what this worker publishes.
        </p>
      )}
      <Card
        title={`Connectors (${names.length})`}
        actions={
          <a class="button" href="#/new">
            New connector
          </a>
        }
      >
        {names.length === 0 ? (
          <p class="empty">No connector yet. Create one with “New connector”.</p>
        ) : (
          <table class="connectors">
            <thead>
              <tr>
                <th>Connector</th>
                <th>State</th>
                <th>Worker</th>
                <th class="num">Events/s</th>
                <th class="num">Bytes/s</th>
                <th class="num">Behind source</th>
                <th>Reading at</th>
              </tr>
            </thead>
            <tbody>
              {names.map((name) => {
                const { status, info } = data.connectors[name]!;
                const task = status.tasks[0];
                const s = data.rates.connectors[name];
                const trace = task?.trace ?? status.connector.trace;
                return (
                  <>
                    <tr key={name} data-connector={name}>
                      <td>
                        <a href={`#/connectors/${enc(name)}`}>{name}</a>
                        <div class="sub">{shortClass(info.config['connector.class'])}</div>
                      </td>
                      <td>
                        <StateBadge state={status.connector.state} title="connector" />{' '}
                        {task === undefined ? (
                          <span class="sub">no task</span>
                        ) : (
                          <span class="task">
                            task {task.id} <StateBadge state={task.state} title={`task ${task.id}`} />
                          </span>
                        )}
                      </td>
                      <td class="mono">{task?.worker_id ?? status.connector.worker_id}</td>
                      <td class="num" data-rate="events">
                        {rate(s?.events.at(-1), 'ev/s')}
                      </td>
                      <td class="num">{rate(s?.bytes.at(-1), 'B/s')}</td>
                      <td class="num">{duration(data.lagMs.get(name))}</td>
                      <td>
                        <Position offsets={data.offsets.get(name)} events={s?.totalEvents} />
                      </td>
                    </tr>
                    {trace !== undefined && (
                      <tr class="trace-row">
                        <td colSpan={7}>
                          <details open={task?.state === 'FAILED' || status.connector.state === 'FAILED'}>
                            <summary class="error">
                              {task?.state === 'RUNNING' || task?.state === 'RESTARTING'
                                ? 'Retrying after: '
                                : 'Failed: '}
                              {trace.split('\n')[0]}
                            </summary>
                            <pre>{trace}</pre>
                          </details>
                        </td>
                      </tr>
                    )}
                  </>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
      <div class="charts">
        <Card>
          <RateChart
            id="events"
            title="Events published per second (last 5 minutes)"
            x={longest}
            series={series.map(([name, s]) => ({ label: name, values: pad(s.events) }))}
            format={(v) => rate(v, 'ev/s')}
          />
        </Card>
        <Card>
          <RateChart
            id="bytes"
            title="Bytes published per second (last 5 minutes)"
            x={longest}
            series={series.map(([name, s]) => ({ label: name, values: pad(s.bytes) }))}
            format={(v) => `${bytes(v)}/s`}
          />
        </Card>
      </div>
    </>
  );
}

function shortClass(cls: string | undefined): string {
  if (cls === undefined) return '';
  return cls.split('.').at(-1) ?? cls;
}

/** Where a connector reads: binlog file/pos and GTID set, or LSN; a bar while a snapshot runs. */
export function Position({
  offsets,
  events,
}: {
  offsets: OffsetEntry[] | undefined;
  events?: number | undefined;
}) {
  if (offsets === undefined) return <span class="sub">unknown</span>;
  if (offsets.length === 0) return <span class="sub">no offset stored yet</span>;
  return (
    <div class="position">
      {offsets.map((entry, i) => {
        const o = entry.offset;
        const snapshot = o.snapshot === true || o.snapshot === 'true' || o.last_snapshot_record === false;
        return (
          <div key={i} class="mono">
            {o.file !== undefined && (
              <span title="binlog file and position">
                {String(o.file)}:{String(o.pos ?? '')}
              </span>
            )}
            {o.gtids !== undefined && o.gtids !== null && (
              <span class="sub" title="GTID set">
                {' '}
                GTID {String(o.gtids)}
              </span>
            )}
            {o.lsn !== undefined && <span title="log sequence number">LSN {lsn(o.lsn)}</span>}
            {snapshot && (
              <div class="snapshot" title="The snapshot is running; the bar moves while rows are read">
                <progress aria-label="snapshot" /> snapshot running
                {events === undefined ? '' : ` · ${events} rows published`}
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** PostgreSQL writes LSNs as `X/Y` in hex; Debezium stores them as a number. */
function lsn(value: unknown): string {
  const n =
    typeof value === 'number'
      ? BigInt(value)
      : typeof value === 'string' && /^\d+$/.test(value)
        ? BigInt(value)
        : null;
  if (n === null) return String(value);
  return `${(n >> 32n).toString(16).toUpperCase()}/${(n & 0xffffffffn).toString(16).toUpperCase()}`;
}
