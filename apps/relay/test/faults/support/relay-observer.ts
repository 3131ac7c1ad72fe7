/**
 * What a fault scenario watches on the relay while the fault lasts: the task's status (state and trace)
 * and the Prometheus metrics the issue names, sampled about once a second; an answer that does not come
 * within a second is recorded as such (a frozen process answers nothing). Metrics that do not exist are
 * reported absent, never a crash, so the table shows which ones a build lacks.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** One `GET …/status` answer, reduced to what the report shows. */
export interface StatusSample {
  readonly at: number;
  /** Task state, or `NO ANSWER` / `NO TASK`. */
  readonly state: string;
  /** First line of the task's trace, when it has one. */
  readonly trace?: string;
  /** The whole trace (for checks on its content). */
  readonly fullTrace?: string;
}

/** The metrics of one connector the fault checks read; undefined = not exported. */
export interface MetricsSample {
  readonly at: number;
  readonly sourceConnected?: number;
  readonly sinkConnected?: number;
  readonly lagMs?: number;
  /** `outflow_errors_total` by `kind` (an unlabelled total is under `*`). */
  readonly errors: Readonly<Record<string, number>>;
}

/** Reads the task status of `connector`; `NO ANSWER` after `timeoutMs`. */
export async function readStatus(url: string, connector: string, timeoutMs = 1000): Promise<StatusSample> {
  const at = Date.now();
  try {
    const res = await fetch(`${url}/connectors/${encodeURIComponent(connector)}/status`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { tasks?: { state: string; trace?: string }[] };
    const task = body.tasks?.[0];
    if (task === undefined) return { at, state: 'NO TASK' };
    const trace = task.trace?.trim();
    return trace
      ? { at, state: task.state, trace: trace.split('\n')[0], fullTrace: trace }
      : { at, state: task.state };
  } catch {
    return { at, state: 'NO ANSWER' };
  }
}

/** Parses the metrics of `connector` out of a `/metrics` body. */
export function parseMetrics(body: string, connector: string, at = Date.now()): MetricsSample {
  const errors: Record<string, number> = {};
  let sourceConnected: number | undefined;
  let sinkConnected: number | undefined;
  let lagMs: number | undefined;
  for (const line of body.split('\n')) {
    const m = /^(\w+)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (m === null) continue;
    const [, name, labelText, raw] = m;
    const labels = Object.fromEntries(
      [...labelText!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (labels.connector !== connector) continue;
    const value = Number(raw);
    if (name === 'outflow_source_connected') sourceConnected = value;
    else if (name === 'outflow_sink_connected') sinkConnected = value;
    else if (name === 'outflow_source_lag_seconds') lagMs = value * 1000;
    else if (name === 'outflow_errors_total') errors[labels.kind ?? '*'] = value;
  }
  return {
    at,
    ...(sourceConnected === undefined ? {} : { sourceConnected }),
    ...(sinkConnected === undefined ? {} : { sinkConnected }),
    ...(lagMs === undefined ? {} : { lagMs }),
    errors,
  };
}

/** Reads `/metrics`; undefined when the relay does not answer within `timeoutMs`. */
export async function readMetrics(
  url: string,
  connector: string,
  timeoutMs = 1000,
): Promise<MetricsSample | undefined> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    return parseMetrics(await res.text(), connector);
  } catch {
    return undefined;
  }
}

/** Samples status and metrics until stopped. */
export interface RelayObserver {
  readonly statuses: readonly StatusSample[];
  readonly metrics: readonly MetricsSample[];
  stop(): Promise<void>;
}

/** Starts sampling `connector` on the relay at `url()` (a function: the relay may be replaced meanwhile). */
export function observeRelay(url: () => string, connector: string, intervalMs = 1000): RelayObserver {
  const statuses: StatusSample[] = [];
  const metrics: MetricsSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const [status, sample] = await Promise.all([
        readStatus(url(), connector),
        readMetrics(url(), connector),
      ]);
      statuses.push(status);
      if (sample !== undefined) metrics.push(sample);
      await sleep(intervalMs);
    }
  })();
  return {
    statuses,
    metrics,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** One JSON log line of the relay. */
export interface LogLine {
  readonly level: string;
  readonly time: number;
  readonly msg: string;
  readonly raw: Record<string, unknown>;
}

/** The relay's JSON log lines (pino, `level` as a label) in `output`, from `since` (epoch ms) on. */
export function logLines(output: string, since = 0): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const raw = JSON.parse(text) as Record<string, unknown>;
      const time = Date.parse(String(raw.time));
      if (time >= since) lines.push({ level: String(raw.level), time, msg: String(raw.msg ?? ''), raw });
    } catch {
      // a line cut by the output buffer's trimming
    }
  }
  return lines;
}
