import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  api,
  type ConnectorInfo,
  type ConnectorStatus,
  enc,
  type OffsetEntry,
  type ValidationAnswer,
} from './api.ts';
import { Position } from './overview.tsx';
import { Card, ErrorLine, StateBadge, usePoll } from './ui.tsx';

const MASK = '********';

interface ConnectorData {
  status: ConnectorStatus;
  info: ConnectorInfo;
  offsets: OffsetEntry[] | undefined;
  topics: string[];
}

export function ConnectorPage({ name }: { name: string }) {
  const [actionError, setActionError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [gone, setGone] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const { data, error, refresh } = usePoll<ConnectorData>(
    async () => {
      const base = `/connectors/${enc(name)}`;
      const [status, info, topics, offsets] = await Promise.all([
        api<ConnectorStatus>('GET', `${base}/status`),
        api<ConnectorInfo>('GET', base),
        api<Record<string, { topics: string[] }>>('GET', `${base}/topics`),
        api<{ offsets: OffsetEntry[] }>('GET', `${base}/offsets`).catch(() => undefined),
      ]);
      return { status, info, topics: topics[name]?.topics ?? [], offsets: offsets?.offsets };
    },
    2000,
    [name],
  );
  const act = async (label: string, method: string, path: string) => {
    setBusy(label);
    setActionError(undefined);
    try {
      await api(method, `/connectors/${enc(name)}${path}`);
      if (method === 'DELETE' && path === '') {
        setGone(true);
        window.location.hash = '#/';
        return;
      }
      refresh();
    } catch (e) {
      setActionError(`${label}: ${(e as Error).message}`);
    } finally {
      setBusy(undefined);
    }
  };
  if (gone) return null;
  if (data === undefined)
    return (
      <>
        <h1>{name}</h1>
        <ErrorLine error={error} />
      </>
    );
  const { status, info } = data;
  const task = status.tasks[0];
  const state = status.connector.state;
  const button = (
    label: string,
    method: string,
    path: string,
    confirmText?: string,
    disabled = false,
    title?: string,
  ) => (
    <button
      type="button"
      disabled={busy !== undefined || disabled}
      title={title}
      onClick={() => {
        if (confirmText === undefined || window.confirm(confirmText)) void act(label, method, path);
      }}
    >
      {busy === label ? `${label}…` : label}
    </button>
  );
  return (
    <>
      <div class="title">
        <h1>{name}</h1>
        <StateBadge state={state} title="connector" />
        {task !== undefined && (
          <span class="task">
            task {task.id} <StateBadge state={task.state} title={`task ${task.id}`} />
          </span>
        )}
        <span class="sub mono">{task?.worker_id ?? status.connector.worker_id}</span>
        <div class="actions">
          {state === 'PAUSED' || state === 'STOPPED'
            ? button('Resume', 'PUT', '/resume')
            : button('Pause', 'PUT', '/pause')}
          {button('Restart', 'POST', '/restart?includeTasks=true')}
          {state !== 'STOPPED' &&
            button(
              'Stop',
              'PUT',
              '/stop',
              undefined,
              false,
              'Stops the task and releases its resources; needed to reset offsets',
            )}
          <a class="button" href={`#/tail/${enc(name)}`}>
            Live tail
          </a>
          {button('Delete', 'DELETE', '', `Delete connector ${name}? Its offsets stay stored.`)}
        </div>
      </div>
      <ErrorLine error={actionError ?? error} />
      {(task?.trace ?? status.connector.trace) !== undefined && (
        <Card title={task?.state === 'FAILED' || state === 'FAILED' ? 'Failure' : 'Retrying after'}>
          <pre class="error">{task?.trace ?? status.connector.trace}</pre>
        </Card>
      )}
      <div class="columns">
        <Card title="Configuration">
          {notice !== undefined && <p class="saved">{notice}</p>}
          <ConfigEditor
            key={JSON.stringify(info.config)}
            initial={info.config}
            onSave={async (config) => {
              await api('PUT', `/connectors/${enc(name)}/config`, config);
              // The editor is drawn again from the stored configuration, so the notice lives here.
              setNotice(
                `Saved at ${new Date().toLocaleTimeString(undefined, { hour12: false })}: the task restarts with it`,
              );
              refresh();
            }}
            saveLabel="Save and apply"
          />
        </Card>
        <div>
          <Card title="Topics it writes to" actions={button('Reset topics', 'PUT', '/topics/reset')}>
            {data.topics.length === 0 ? (
              <p class="empty">None since it was created or its topics were reset.</p>
            ) : (
              <ul class="topics">
                {data.topics.map((t) => (
                  <li key={t} class="mono">
                    {t}
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card
            title="Stored offsets"
            actions={button(
              'Reset offsets',
              'DELETE',
              '/offsets',
              `Reset the offsets of ${name}? On its next start it begins again as configured (snapshot.mode).`,
              state !== 'STOPPED',
              state === 'STOPPED' ? undefined : 'Stop the connector first',
            )}
          >
            <Position offsets={data.offsets} />
            {data.offsets !== undefined && data.offsets.length > 0 && (
              <table class="offsets">
                <thead>
                  <tr>
                    <th>Source partition</th>
                    <th>Offset</th>
                  </tr>
                </thead>
                <tbody>
                  {data.offsets.map((o, i) => (
                    <tr key={i}>
                      <td class="mono">{JSON.stringify(o.partition)}</td>
                      <td class="mono">{JSON.stringify(o.offset)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {state !== 'STOPPED' && <p class="hint">Offsets can be reset once the connector is stopped.</p>}
          </Card>
        </div>
      </div>
    </>
  );
}

const TEMPLATE: Record<string, string> = {
  'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
  'database.hostname': '127.0.0.1',
  'database.port': '3306',
  'database.user': '',
  'database.password': '',
  'database.server.id': '',
  'topic.prefix': '',
  'table.include.list': '',
};

export function NewConnectorPage() {
  const [name, setName] = useState('');
  return (
    <>
      <h1>New connector</h1>
      <Card title="Configuration">
        <label class="name">
          Name{' '}
          <input
            value={name}
            placeholder="e.g. courses-outbox"
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <ConfigEditor
          initial={TEMPLATE}
          name={name}
          onSave={async (config) => {
            if (name.trim() === '') throw new Error('Give the connector a name');
            await api('POST', '/connectors', { name: name.trim(), config });
            window.location.hash = `#/connectors/${enc(name.trim())}`;
          }}
          saveLabel="Create"
        />
      </Card>
    </>
  );
}

interface Row {
  id: number;
  key: string;
  value: string;
}

let nextRow = 1;

/**
 * The configuration as property rows. Every edit is checked by the relay's validate endpoint (debounced), and
 * each property's problems are shown beside it; secrets arrive masked and are sent back masked, which keeps
 * the stored value.
 */
function ConfigEditor(props: {
  initial: Record<string, string>;
  name?: string;
  onSave: (config: Record<string, string>) => Promise<void>;
  saveLabel: string;
}) {
  const [rows, setRows] = useState<Row[]>(() =>
    Object.entries(props.initial)
      .filter(([k]) => k !== 'name')
      .sort(([a], [b]) => (a === 'connector.class' ? -1 : b === 'connector.class' ? 1 : a.localeCompare(b)))
      .map(([key, value]) => ({ id: nextRow++, key, value })),
  );
  const [validation, setValidation] = useState<ValidationAnswer | undefined>();
  const [validateError, setValidateError] = useState<string | undefined>();
  const [saveState, setSaveState] = useState<{ saving: boolean; error?: string }>({ saving: false });
  const config = useMemo(() => {
    const out: Record<string, string> = {};
    for (const r of rows) if (r.key.trim() !== '') out[r.key.trim()] = r.value;
    return out;
  }, [rows]);
  const dirty = canonical(config) !== canonical(withoutName(props.initial));
  const seq = useRef(0);
  const withName = props.name ?? props.initial.name;
  useEffect(() => {
    const cls = config['connector.class'];
    if (cls === undefined || cls === '') {
      setValidateError('connector.class must be given');
      return;
    }
    const mine = ++seq.current;
    const timer = window.setTimeout(async () => {
      try {
        const answer = await api<ValidationAnswer>('PUT', `/connector-plugins/${enc(cls)}/config/validate`, {
          ...config,
          ...(withName ? { name: withName } : {}),
        });
        if (mine !== seq.current) return;
        setValidation(answer);
        setValidateError(undefined);
      } catch (e) {
        if (mine !== seq.current) return;
        setValidation(undefined);
        setValidateError((e as Error).message);
      }
    }, 250);
    return () => window.clearTimeout(timer);
  }, [JSON.stringify(config), withName]);

  const byKey = new Map(validation?.configs.map((c) => [c.definition.name, c]) ?? []);
  const problems = validation?.configs.filter((c) => c.value.errors.length > 0) ?? [];
  const errorCount = validation?.error_count ?? 0;
  const update = (id: number, patch: Partial<Row>) =>
    setRows((all) => all.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const save = async () => {
    setSaveState({ saving: true });
    try {
      await props.onSave(config);
      setSaveState({ saving: false });
    } catch (e) {
      setSaveState({ saving: false, error: (e as Error).message });
    }
  };
  return (
    <form
      class="config"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <datalist id="config-keys">
        {validation?.configs.map((c) => (
          <option key={c.definition.name} value={c.definition.name} />
        ))}
      </datalist>
      <table>
        <tbody>
          {rows.map((r) => {
            const info = byKey.get(r.key.trim());
            const secret = info?.definition.type === 'PASSWORD' || r.value === MASK;
            const errors = info?.value.errors ?? [];
            return (
              <tr key={r.id} class={errors.length > 0 ? 'invalid' : ''}>
                <td class="key">
                  <input
                    list="config-keys"
                    aria-label="property"
                    value={r.key}
                    title={info?.definition.documentation}
                    onInput={(e) => update(r.id, { key: e.currentTarget.value })}
                  />
                </td>
                <td class="value">
                  {secret ? (
                    <input
                      aria-label={`value of ${r.key}`}
                      name={r.key}
                      type="password"
                      autocomplete="off"
                      value={r.value}
                      onInput={(e) => update(r.id, { value: e.currentTarget.value })}
                    />
                  ) : (
                    <input
                      aria-label={`value of ${r.key}`}
                      name={r.key}
                      type="text"
                      autocomplete="off"
                      value={r.value}
                      onInput={(e) => update(r.id, { value: e.currentTarget.value })}
                    />
                  )}
                  {errors.map((m) => (
                    <div class="field-error" key={m}>
                      {m}
                    </div>
                  ))}
                </td>
                <td>
                  <button
                    type="button"
                    class="link"
                    title="Remove this property"
                    aria-label={`remove ${r.key}`}
                    onClick={() => setRows((all) => all.filter((x) => x.id !== r.id))}
                  >
                    ✕
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="form-actions">
        <button
          type="button"
          onClick={() => setRows((all) => [...all, { id: nextRow++, key: '', value: '' }])}
        >
          Add property
        </button>
        <span
          class={`validation ${validateError !== undefined || errorCount > 0 ? 'bad' : 'ok'}`}
          data-errors={String(errorCount)}
        >
          {validateError ??
            (validation === undefined
              ? 'Checking…'
              : errorCount === 0
                ? '✓ Valid'
                : `${errorCount} problem${errorCount === 1 ? '' : 's'}`)}
        </span>
        <button type="submit" class="primary" disabled={saveState.saving || !dirty}>
          {saveState.saving ? 'Saving…' : props.saveLabel}
        </button>
      </div>
      {problems
        .filter((p) => !rows.some((r) => r.key.trim() === p.definition.name))
        .map((p) => (
          <p class="field-error" key={p.definition.name}>
            {p.definition.name}: {p.value.errors.join('; ')}
          </p>
        ))}
      <ErrorLine error={saveState.error} />
    </form>
  );
}

function withoutName(config: Record<string, string>): Record<string, string> {
  const { name: _name, ...rest } = config;
  return rest;
}

function canonical(config: Record<string, string>): string {
  return JSON.stringify(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
}
