/** The REST API, as the console calls it: same origin, so the browser's basic-auth login is reused. */

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path.startsWith('/') ? path : `/${path}`, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    let message = text || `HTTP ${response.status}`;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: the text says it
    }
    throw new ApiError(response.status, message);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export async function text(path: string): Promise<string> {
  const response = await fetch(path);
  if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`);
  return response.text();
}

export const enc = encodeURIComponent;

export interface TaskStatus {
  id: number;
  state: string;
  worker_id: string;
  trace?: string;
}

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: TaskStatus[];
  type: string;
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: { connector: string; task: number }[];
  type: string;
}

export type Expanded = Record<string, { status: ConnectorStatus; info: ConnectorInfo }>;

export interface OffsetEntry {
  partition: Record<string, unknown>;
  offset: Record<string, unknown>;
}

export interface RateSeries {
  t: number[];
  events: number[];
  bytes: number[];
  totalEvents: number;
  totalBytes: number;
}

export interface Rates {
  intervalMs: number;
  now: number;
  connectors: Record<string, RateSeries>;
}

export interface ValidationAnswer {
  name: string;
  error_count: number;
  groups: string[];
  configs: {
    definition: {
      name: string;
      type: string;
      required: boolean;
      default_value: string | null;
      documentation: string;
      group: string;
    };
    value: { name: string; value: string | null; recommended_values: string[]; errors: string[] };
  }[];
}

export interface TailRecord {
  seq: number;
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: string | null;
  headers: [string, string][];
  value: string | null;
  valueBytes: number;
  truncated: boolean;
}

export interface TailView {
  state: 'starting' | 'live' | 'failed';
  error?: string;
  connector: string;
  filter: string;
  topics: string[];
  seen: number;
  matched: number;
  records: TailRecord[];
}

export interface GroupSummary {
  id: string;
  state: string;
  members: number;
  lag: string;
  partitions: { topic: string; partition: number; committed: string; end: string; lag: string }[];
}

export interface DeadLetter {
  partition: number;
  offset: string;
  timestamp: number;
  key: string | null;
  headers: [string, string][];
  value: string | null;
}

/** One sample per connector of a Prometheus text body: `name{connector="…"} value`. */
export function metricByConnector(
  body: string,
  names: readonly string[],
): Map<string, { name: string; value: number }> {
  const out = new Map<string, { name: string; value: number }>();
  for (const line of body.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}\s+(\S+)/.exec(line);
    if (match === null || !names.includes(match[1]!)) continue;
    const connector = /(?:^|,)connector="((?:[^"\\]|\\.)*)"/.exec(match[2]!)?.[1];
    if (connector === undefined) continue;
    out.set(connector.replace(/\\(.)/g, '$1'), { name: match[1]!, value: Number(match[3]) });
  }
  return out;
}
