import { useState } from 'preact/hooks';
import { api, type DeadLetter, enc, type GroupSummary } from './api.ts';
import { Card, ErrorLine, pretty, time, usePoll } from './ui.tsx';

/** The error headers `@outflow/inbox` puts on a dead-lettered record, shown first and highlighted. */
const DLQ_PREFIX = 'outflow.dlq.';

export function InboxPage() {
  const groups = usePoll(() => api<GroupSummary[]>('GET', '/console/api/inbox/groups'), 5000);
  const topics = usePoll(() => api<string[]>('GET', '/console/api/inbox/topics'), 15000);
  const deadLetterTopics = (topics.data ?? []).filter((t) => /dlq|dlt|dead/i.test(t));
  const [chosen, setChosen] = useState<string | undefined>();
  const topic = chosen ?? deadLetterTopics[0];
  return (
    <>
      <h1>Inbox consumers</h1>
      <Card title="Consumer groups: lag per partition">
        <ErrorLine error={groups.error} />
        {groups.data === undefined ? (
          <p class="empty">Loading…</p>
        ) : committed(groups.data).length === 0 ? (
          <p class="empty">No consumer group has committed offsets yet.</p>
        ) : (
          committed(groups.data).map((g) => (
            <details key={g.id} class="group" open={committed(groups.data!).length <= 3} data-group={g.id}>
              <summary>
                <b class="mono">{g.id}</b>{' '}
                <span class={`badge ${g.state === 'STABLE' || g.state === 'Stable' ? 'ok' : 'muted'}`}>
                  {g.state}
                </span>{' '}
                {g.members} member{g.members === 1 ? '' : 's'} · lag <b data-lag={g.lag}>{g.lag}</b>
              </summary>
              <table>
                <thead>
                  <tr>
                    <th>Topic</th>
                    <th class="num">Partition</th>
                    <th class="num">Committed</th>
                    <th class="num">Log end</th>
                    <th class="num">Lag</th>
                  </tr>
                </thead>
                <tbody>
                  {g.partitions.map((p) => (
                    <tr key={`${p.topic}/${p.partition}`}>
                      <td class="mono">{p.topic}</td>
                      <td class="num">{p.partition}</td>
                      <td class="num">{p.committed}</td>
                      <td class="num">{p.end}</td>
                      <td class={`num ${p.lag === '0' ? '' : 'warn-text'}`}>{p.lag}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ))
        )}
      </Card>
      {groups.data !== undefined && groups.data.length > committed(groups.data).length && (
        <p class="hint">
          {groups.data.length - committed(groups.data).length} more groups have no committed offset (readers
          that never commit, or groups that have not started).
        </p>
      )}
      <Card
        title="Dead letters"
        actions={
          <select
            aria-label="dead-letter topic"
            value={topic ?? ''}
            onChange={(e) => setChosen(e.currentTarget.value)}
          >
            {topic === undefined && <option value="">choose a topic</option>}
            {[...deadLetterTopics, ...(topics.data ?? []).filter((t) => !deadLetterTopics.includes(t))].map(
              (t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ),
            )}
          </select>
        }
      >
        {topic === undefined ? (
          <p class="empty">No dead-letter topic found (names with “dlq”, “dlt” or “dead”); choose a topic.</p>
        ) : (
          <DeadLetters key={topic} topic={topic} />
        )}
      </Card>
    </>
  );
}

function DeadLetters({ topic }: { topic: string }) {
  const { data, error, refresh } = usePoll(
    () => api<DeadLetter[]>('GET', `/console/api/inbox/topics/${enc(topic)}/records?limit=50`),
    10000,
    [topic],
  );
  const [replayed, setReplayed] = useState<Record<string, string>>({});
  const [replayError, setReplayError] = useState<string | undefined>();
  if (data === undefined) return <ErrorLine error={error ?? undefined} />;
  return (
    <>
      <ErrorLine error={error ?? replayError} />
      {data.length === 0 ? (
        <p class="empty">No record in {topic}.</p>
      ) : (
        <ol class="records">
          {data.map((r) => {
            const id = `${r.partition}@${r.offset}`;
            const dlq = r.headers.filter(([k]) => k.startsWith(DLQ_PREFIX));
            const others = r.headers.filter(([k]) => !k.startsWith(DLQ_PREFIX));
            const original = dlq.find(([k]) => k === `${DLQ_PREFIX}original.topic`)?.[1];
            return (
              <li key={id} class="record dead" data-offset={r.offset}>
                <div class="meta">
                  <span class="mono">
                    {topic} / {r.partition} @ {r.offset}
                  </span>
                  <span>{time(r.timestamp)}</span>
                  <span>
                    key <b class="mono">{r.key ?? '(none)'}</b>
                  </span>
                  <span class="actions">
                    {replayed[id] !== undefined ? (
                      <span class="saved">replayed to {replayed[id]}</span>
                    ) : (
                      <button
                        type="button"
                        disabled={original === undefined}
                        title={
                          original === undefined
                            ? 'No outflow.dlq.original.topic header'
                            : `Write it back to ${original}`
                        }
                        onClick={async () => {
                          if (
                            !window.confirm(
                              `Replay this record to ${original}? Its consumer handles it again.`,
                            )
                          )
                            return;
                          try {
                            const answer = await api<{ topic: string }>(
                              'POST',
                              `/console/api/inbox/topics/${enc(topic)}/replay`,
                              {
                                partition: r.partition,
                                offset: r.offset,
                              },
                            );
                            setReplayed((all) => ({ ...all, [id]: answer.topic }));
                            setReplayError(undefined);
                            refresh();
                          } catch (e) {
                            setReplayError((e as Error).message);
                          }
                        }}
                      >
                        Replay
                      </button>
                    )}
                  </span>
                </div>
                <dl class="dlq">
                  {dlq.map(([k, v]) => (
                    <>
                      <dt key={`${k}-t`}>{k.slice(DLQ_PREFIX.length)}</dt>
                      <dd key={`${k}-d`} class={k.endsWith('error.message') ? 'error' : 'mono'}>
                        {v}
                      </dd>
                    </>
                  ))}
                </dl>
                {others.length > 0 && (
                  <div class="headers">
                    {others.map(([k, v]) => (
                      <span key={k} class="header mono">
                        {k}: {v}
                      </span>
                    ))}
                  </div>
                )}
                <pre class="value">{pretty(r.value)}</pre>
              </li>
            );
          })}
        </ol>
      )}
    </>
  );
}

/** Groups that committed something: an inbox consumer commits after each handled batch. */
function committed(groups: GroupSummary[]): GroupSummary[] {
  return groups.filter((g) => g.partitions.length > 0);
}
