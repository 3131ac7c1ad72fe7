/**
 * Field-by-field comparison of the records Debezium and Outflow wrote for the same changes. Pure.
 *
 * Records are paired per topic in offset order, after each side's topic prefix is replaced by `P`. Keys and
 * values are parsed JSON (schema and payload); arrays of schema fields are matched by field name, so a
 * missing or extra column shows as one path. A difference is expected when a rule below explains it.
 */

/** One record as read back from Kafka, its prefix already normalised. */
export interface ComparedRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly (readonly [string, string])[];
}

/** One differing path. */
export interface Difference {
  readonly topic: string;
  /** Index of the record in its topic. */
  readonly index: number;
  /** `key.…`, `value.…` or `headers.…`. */
  readonly path: string;
  readonly debezium: unknown;
  readonly outflow: unknown;
  /** Why this difference is expected, or undefined when it is not explained. */
  readonly expected?: string;
}

/** The outcome for one target. */
export interface Comparison {
  readonly topics: readonly { topic: string; debezium: number; outflow: number }[];
  readonly pairs: number;
  readonly identicalPairs: number;
  readonly differences: readonly Difference[];
}

const ABSENT = Symbol('absent');

/** Why a path may differ: processing times, the version string and the run id are the connector's own. */
export function expectedReason(path: string, op: string | undefined): string | undefined {
  if (/^value\.payload\.ts_(ms|us|ns)$/.test(path))
    return 'processing time (ts_ms/ts_us/ts_ns of the envelope)';
  if (path === 'value.payload.source.version') return 'connector version string';
  if (path === 'headers.__debezium.context.runId') return 'run id: a random UUID per task run';
  if ((op === 'r' || op === SNAPSHOT_DDL) && /^value\.payload\.source\.ts_(ms|us|ns)$/.test(path))
    return "snapshot read time (source.ts_* of op=r records and of the snapshot's schema-change records)";
  if (op === 'r' && /^value\.payload\.source\.(lsn|sequence|txId)$/.test(path))
    return "PostgreSQL snapshot: each side's own slot (its LSN) and snapshot transaction (its txId)";
  return undefined;
}

/** Compares the records of both sides, topic by topic. */
export function compareRecords(
  debezium: readonly ComparedRecord[],
  outflow: readonly ComparedRecord[],
): Comparison {
  const byTopic = (records: readonly ComparedRecord[]) => {
    const map = new Map<string, ComparedRecord[]>();
    for (const r of records) map.set(r.topic, [...(map.get(r.topic) ?? []), r]);
    return map;
  };
  const left = byTopic(debezium);
  const right = byTopic(outflow);
  const topics = [...new Set([...left.keys(), ...right.keys()])].sort();
  const differences: Difference[] = [];
  let pairs = 0;
  let identicalPairs = 0;
  const summary = topics.map((topic) => {
    const a = left.get(topic) ?? [];
    const b = right.get(topic) ?? [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i];
      const y = b[i];
      if (x === undefined || y === undefined) {
        differences.push({
          topic,
          index: i,
          path: 'record',
          debezium: x === undefined ? '(none)' : summarize(x),
          outflow: y === undefined ? '(none)' : summarize(y),
        });
        continue;
      }
      pairs++;
      const found = compareOne(topic, i, x, y);
      if (found.every((d) => d.expected !== undefined)) identicalPairs++;
      differences.push(...found);
    }
    return { topic, debezium: a.length, outflow: b.length };
  });
  return { topics: summary, pairs, identicalPairs, differences };
}

function compareOne(topic: string, index: number, a: ComparedRecord, b: ComparedRecord): Difference[] {
  const out: Difference[] = [];
  const op = opOf(a) ?? opOf(b);
  const push = (path: string, x: unknown, y: unknown) => {
    const reason = expectedReason(path, op);
    out.push({
      topic,
      index,
      path,
      debezium: x,
      outflow: y,
      ...(reason === undefined ? {} : { expected: reason }),
    });
  };
  walk('key', parse(a.key), parse(b.key), push);
  walk('value', parse(a.value), parse(b.value), push);
  const headerKeys = (r: ComparedRecord) => r.headers.map(([k]) => k);
  if (JSON.stringify(headerKeys(a)) !== JSON.stringify(headerKeys(b)))
    push('headers(order)', headerKeys(a).join(','), headerKeys(b).join(','));
  const ha = new Map(a.headers);
  const hb = new Map(b.headers);
  for (const k of new Set([...ha.keys(), ...hb.keys()])) {
    if (ha.get(k) !== hb.get(k)) push(`headers.${k}`, ha.get(k) ?? ABSENT, hb.get(k) ?? ABSENT);
  }
  return out.map((d) => ({
    ...d,
    debezium: d.debezium === ABSENT ? '(absent)' : d.debezium,
    outflow: d.outflow === ABSENT ? '(absent)' : d.outflow,
  }));
}

function walk(
  path: string,
  a: unknown,
  b: unknown,
  push: (path: string, a: unknown, b: unknown) => void,
): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    const named = (v: unknown[]) => v.every((e) => typeof e === 'object' && e !== null && 'field' in e);
    if (named(a) && named(b)) {
      const ia = new Map(a.map((e, i) => [String((e as { field: string }).field), [e, i] as const]));
      const ib = new Map(b.map((e, i) => [String((e as { field: string }).field), [e, i] as const]));
      const order = (v: unknown[]) => v.map((e) => (e as { field: string }).field).join(',');
      if (order(a) !== order(b) && [...ia.keys()].every((k) => ib.has(k)) && ia.size === ib.size)
        push(`${path}(field order)`, order(a), order(b));
      for (const k of new Set([...ia.keys(), ...ib.keys()]))
        walk(`${path}[${k}]`, ia.get(k)?.[0] ?? ABSENT, ib.get(k)?.[0] ?? ABSENT, push);
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      walk(`${path}[${i}]`, i < a.length ? a[i] : ABSENT, i < b.length ? b[i] : ABSENT, push);
    return;
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join(',') !== kb.join(',') && ka.length === kb.length && ka.every((k) => k in b))
      push(`${path}(key order)`, ka.join(','), kb.join(','));
    for (const k of new Set([...ka, ...kb]))
      walk(`${path}.${k}`, k in a ? a[k] : ABSENT, k in b ? b[k] : ABSENT, push);
    return;
  }
  push(path, a, b);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What expectedReason gets as `op` for a schema-change record written while snapshotting. */
export const SNAPSHOT_DDL = 'snapshot-ddl';

function opOf(r: ComparedRecord): string | undefined {
  const v = parse(r.value) as {
    payload?: { op?: unknown; ddl?: unknown; source?: { snapshot?: unknown } };
  } | null;
  if (typeof v?.payload?.ddl === 'string' && v.payload.source?.snapshot === 'true') return SNAPSHOT_DDL;
  return typeof v?.payload?.op === 'string' ? v.payload.op : undefined;
}

function summarize(r: ComparedRecord): string {
  return `key=${(r.key ?? 'null').slice(0, 80)} value=${(r.value ?? 'null').slice(0, 80)}`;
}
