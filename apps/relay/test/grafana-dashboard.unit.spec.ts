/**
 * Lints the ready-made Grafana dashboard offline: its structure against Grafana's dashboard schema (the
 * `Dashboard` kind's required fields, enums and grid constraints), its template variables, and every panel
 * query's PromQL, whose metric names must be ones the relay and the inbox register (read from a live
 * render of their registries, not from a list that could drift).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
// The inbox's registry class is internal to its package; the dashboard must match what it registers.
import { InboxMetrics } from '../../../packages/inbox/src/consumer/metrics.ts';
import { RelayMetrics } from '../src/metrics.ts';

const path = join(import.meta.dirname, '..', 'docs', 'grafana', 'outflow.json');
const dashboard = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;

/** PromQL's functions, aggregations and keywords: every other identifier outside labels is a metric. */
const PROMQL_WORDS = new Set([
  ...[
    'sum',
    'min',
    'max',
    'avg',
    'count',
    'stddev',
    'stdvar',
    'topk',
    'bottomk',
    'quantile',
    'count_values',
    'group',
  ],
  ...[
    'rate',
    'irate',
    'increase',
    'delta',
    'idelta',
    'deriv',
    'histogram_quantile',
    'abs',
    'clamp_min',
    'clamp_max',
  ],
  ...[
    'avg_over_time',
    'max_over_time',
    'min_over_time',
    'sum_over_time',
    'last_over_time',
    'time',
    'timestamp',
    'vector',
  ],
  ...['label_replace', 'label_join', 'absent', 'changes', 'resets', 'sort', 'sort_desc', 'round', 'scalar'],
  ...[
    'by',
    'without',
    'on',
    'ignoring',
    'group_left',
    'group_right',
    'bool',
    'and',
    'or',
    'unless',
    'offset',
  ],
]);

/** Metric names a PromQL expression selects (labels, strings, ranges, grouping lists and variables removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const words = stripped.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return words.filter((w) => !PROMQL_WORDS.has(w));
}

/** Balanced (), {}, [] outside strings: a typo there is the commonest broken query. */
function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  const stack: string[] = [];
  for (const ch of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (ch === '(' || ch === '{' || ch === '[') stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0;
}

/** Every metric family the code registers, with the series names a histogram adds. */
async function registeredNames(): Promise<Set<string>> {
  const relay = new RelayMetrics();
  const c = relay.forConnector('c');
  c.offsetsCommitted({ file: 'f', pos: 1 });
  const inbox = new InboxMetrics({ group: 'g', topics: ['t'] });
  const text = `${await relay.render()}\n${await inbox.render([{ topic: 't', partition: 0, lag: 0 }])}`;
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
  }
  return names;
}

type Panel = Record<string, unknown> & {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
};

const panels = dashboard.panels as Panel[];
const variables = ((dashboard.templating as { list: Record<string, unknown>[] }).list ?? []) as {
  name: string;
  type: string;
  hide: number;
  query: unknown;
}[];

describe('Grafana dashboard', () => {
  it('has the Dashboard kind’s required fields and enums', () => {
    assert.equal(typeof dashboard.title, 'string');
    assert.match(String(dashboard.uid), /^[A-Za-z0-9_-]{1,40}$/);
    assert.ok(Number.isInteger(dashboard.schemaVersion) && (dashboard.schemaVersion as number) <= 0xffff);
    assert.equal(typeof dashboard.editable, 'boolean');
    assert.ok([0, 1, 2].includes(dashboard.graphTooltip as number));
    assert.ok(['dark', 'light'].includes(dashboard.style as string));
    const time = dashboard.time as { from: unknown; to: unknown };
    assert.equal(typeof time.from, 'string');
    assert.equal(typeof time.to, 'string');
    assert.ok(Array.isArray(dashboard.panels) && panels.length > 0);
  });

  it('lays panels out on the 24-column grid, with unique ids and no overlap', () => {
    const ids = new Set<number>();
    const cells = new Set<string>();
    for (const p of panels) {
      assert.ok(Number.isInteger(p.id) && !ids.has(p.id), `panel id ${p.id} must be unique`);
      ids.add(p.id);
      assert.equal(typeof p.type, 'string');
      assert.ok(p.title, `panel ${p.id} has a title`);
      const { x, y, w, h } = p.gridPos;
      for (const v of [x, y, w, h]) assert.ok(Number.isInteger(v) && v >= 0, `panel ${p.title}: gridPos`);
      assert.ok(h > 0 && w > 0 && w <= 24 && x < 24 && x + w <= 24, `panel ${p.title} fits the grid`);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          assert.ok(!cells.has(`${i},${j}`), `panel ${p.title} overlaps another at ${i},${j}`);
          cells.add(`${i},${j}`);
        }
      if (p.type === 'row') continue;
      assert.ok(['timeseries', 'state-timeline', 'table', 'stat', 'gauge'].includes(p.type), p.type);
      const fieldConfig = p.fieldConfig as { defaults: object; overrides: unknown[] };
      assert.ok(typeof fieldConfig.defaults === 'object' && Array.isArray(fieldConfig.overrides));
    }
  });

  it('declares the variables its queries use, of Grafana’s variable types', () => {
    const declared = new Set(variables.map((v) => v.name));
    for (const v of variables) {
      assert.ok(
        ['query', 'adhoc', 'constant', 'datasource', 'interval', 'textbox', 'custom'].includes(v.type),
      );
      assert.ok([0, 1, 2].includes(v.hide));
    }
    assert.equal(variables.find((v) => v.name === 'datasource')?.type, 'datasource');
    const builtIn = new Set(['__rate_interval', '__interval', '__range']);
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
        assert.deepEqual(t.datasource, { type: 'prometheus', uid: '${datasource}' });
        for (const m of t.expr.matchAll(/\$(\w+)/g)) {
          const name = m[1] as string;
          assert.ok(declared.has(name) || builtIn.has(name), `${p.title}: $${name} is not declared`);
        }
      }
    }
  });

  it('queries only metrics the relay and the inbox register, in well-formed PromQL', async () => {
    const registered = await registeredNames();
    let queries = 0;
    for (const p of panels) {
      const refIds = new Set<string>();
      for (const t of p.targets ?? []) {
        queries++;
        assert.ok(!refIds.has(t.refId), `${p.title}: refId ${t.refId} twice`);
        refIds.add(t.refId);
        assert.ok(balanced(t.expr), `${p.title}: unbalanced brackets in ${t.expr}`);
        const names = metricNames(t.expr);
        assert.ok(names.length > 0, `${p.title}: no metric in ${t.expr}`);
        for (const name of names)
          assert.ok(registered.has(name), `${p.title}: ${name} is not registered by the code`);
      }
    }
    for (const v of variables.filter((v) => v.type === 'query')) {
      const query = (v.query as { query: string }).query;
      const metric = /label_values\((\w+),/.exec(query)?.[1];
      assert.ok(metric !== undefined && registered.has(metric), `variable ${v.name}: ${query}`);
    }
    assert.ok(queries >= 20, `${queries} queries`);
  });

  it('the lint catches an unknown metric and a misspelt function', () => {
    assert.deepEqual(metricNames('sum by (le) (rate(outflow_nope_total{a="b"}[5m]))'), [
      'outflow_nope_total',
    ]);
    assert.deepEqual(metricNames('histogram_quantil(0.9, x_bucket)'), ['histogram_quantil', 'x_bucket']);
    assert.equal(balanced('sum(rate(x[5m])'), false);
  });
});
