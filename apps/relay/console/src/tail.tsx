import { useEffect, useRef, useState } from 'preact/hooks';
import { api, enc, type TailRecord, type TailView } from './api.ts';
import { Card, ErrorLine, pretty, time, usePoll } from './ui.tsx';

/** Records the page keeps; older ones drop off the bottom. */
const KEEP = 300;

export function TailPage({ connector }: { connector: string | undefined }) {
  const { data: names } = usePoll(() => api<string[]>('GET', '/connectors'), 5000);
  if (connector === undefined) {
    return (
      <>
        <h1>Live tail</h1>
        <Card title="Pick a connector">
          {names === undefined || names.length === 0 ? (
            <p class="empty">No connector yet.</p>
          ) : (
            <ul class="pick">
              {names.map((n) => (
                <li key={n}>
                  <a href={`#/tail/${enc(n)}`}>{n}</a>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </>
    );
  }
  return <Tail key={connector} connector={connector} names={names ?? [connector]} />;
}

/**
 * The records a connector publishes, read back from Kafka by a consumer the relay opens for this page (and
 * closes once the page stops asking). The filter is applied by the relay, so a rare record is found in a busy
 * topic; pausing freezes the list while new records are counted.
 */
function Tail({ connector, names }: { connector: string; names: string[] }) {
  const [filter, setFilter] = useState('');
  const [applied, setApplied] = useState('');
  const [paused, setPaused] = useState(false);
  const [shown, setShown] = useState<TailRecord[]>([]);
  const pending = useRef<TailRecord[]>([]);
  const [pendingCount, setPendingCount] = useState(0);
  const [view, setView] = useState<TailView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    let stopped = false;
    let id: string | undefined;
    let after = 0;
    let timer: number | undefined;
    setShown([]);
    pending.current = [];
    setPendingCount(0);
    const poll = async () => {
      try {
        if (id === undefined)
          id = (await api<{ id: string }>('POST', '/console/api/tails', { connector, filter: applied })).id;
        const answer = await api<TailView>('GET', `/console/api/tails/${id}?after=${after}`);
        if (stopped) return;
        setError(undefined);
        setView(answer);
        if (answer.records.length > 0) {
          after = answer.records[answer.records.length - 1]!.seq;
          const fresh = [...answer.records].reverse();
          if (pausedRef.current) {
            pending.current = [...fresh, ...pending.current].slice(0, KEEP);
            setPendingCount((n) => n + fresh.length);
          } else setShown((old) => [...fresh, ...old].slice(0, KEEP));
        }
      } catch (e) {
        if (stopped) return;
        setError((e as Error).message);
        // A tail the relay closed (restart, idle) is opened again.
        if ((e as { status?: number }).status === 404) id = undefined;
      }
      if (!stopped) timer = window.setTimeout(poll, 1000);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      if (id !== undefined) void api('DELETE', `/console/api/tails/${id}`).catch(() => undefined);
    };
  }, [connector, applied]);

  const resume = () => {
    setShown((old) => [...pending.current, ...old].slice(0, KEEP));
    pending.current = [];
    setPendingCount(0);
    setPaused(false);
  };
  return (
    <>
      <div class="title">
        <h1>Live tail</h1>
        <select
          aria-label="connector"
          value={connector}
          onChange={(e) => {
            window.location.hash = `#/tail/${enc(e.currentTarget.value)}`;
          }}
        >
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <form
          class="filter"
          onSubmit={(e) => {
            e.preventDefault();
            setApplied(filter);
          }}
        >
          <input
            type="search"
            aria-label="filter"
            placeholder="Filter: text in key, headers or value"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
          <button type="submit">Apply</button>
        </form>
        <div class="actions">
          {paused ? (
            <button type="button" class="primary" onClick={resume}>
              Resume{pendingCount > 0 ? ` (${pendingCount} new)` : ''}
            </button>
          ) : (
            <button type="button" onClick={() => setPaused(true)}>
              Pause
            </button>
          )}
          <button type="button" onClick={() => setShown([])}>
            Clear
          </button>
        </div>
      </div>
      <p class="sub" data-tail-state={view?.state ?? 'starting'}>
        {view === undefined
          ? 'Connecting…'
          : view.state === 'failed'
            ? `Reading failed: ${view.error ?? ''} (trying again)`
            : view.topics.length === 0
              ? 'Waiting for the connector to write its first record…'
              : `${view.state === 'live' ? 'Reading' : 'Starting'} ${view.topics.join(', ')} · ${view.seen} read${
                  view.filter === '' ? '' : `, ${view.matched} matching “${view.filter}”`
                }${paused ? ' · paused' : ''}`}
      </p>
      <ErrorLine error={error} />
      {shown.length === 0 ? (
        <p class="empty">No record yet: new records appear here as the connector publishes them.</p>
      ) : (
        <ol class="records">
          {shown.map((r) => (
            <li key={`${r.topic}/${r.partition}/${r.offset}`} class="record" data-key={r.key ?? ''}>
              <div class="meta">
                <span class="mono">
                  {r.topic} / {r.partition} @ {r.offset}
                </span>
                <span>{time(r.timestamp)}</span>
                <span>
                  key <b class="mono">{r.key ?? '(none)'}</b>
                </span>
                <span class="sub">{r.valueBytes} B</span>
              </div>
              {r.headers.length > 0 && (
                <div class="headers">
                  {r.headers.map(([k, v]) => (
                    <span key={k} class="header mono">
                      {k}: {v}
                    </span>
                  ))}
                </div>
              )}
              <pre class="value">
                {pretty(r.value)}
                {r.truncated ? '\n… (cut at 16 kB)' : ''}
              </pre>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
