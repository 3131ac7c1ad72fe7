/** Turns comparisons into the console summary and `docs/parity.md`. Pure. */
import type { Comparison, Difference } from './diff.ts';

/** One target's result. */
export interface TargetResult {
  readonly target: string;
  readonly debezium: string;
  readonly connect: string;
  readonly database: string;
  readonly comparison: Comparison;
  /** Set when the run could not finish (the comparison is then partial). */
  readonly error?: string;
}

interface Group {
  readonly path: string;
  readonly topics: Set<string>;
  count: number;
  readonly example: Difference;
}

function group(differences: readonly Difference[]): Group[] {
  const map = new Map<string, Group>();
  for (const d of differences) {
    const path = d.path.replace(/\[\d+\]/g, '[n]');
    const g = map.get(path) ?? { path, topics: new Set<string>(), count: 0, example: d };
    g.count++;
    g.topics.add(d.topic);
    map.set(path, g);
  }
  return [...map.values()].sort((a, b) => a.path.localeCompare(b.path));
}

const show = (v: unknown) => {
  const text = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
};

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Markdown of all targets. */
export function renderMarkdown(results: readonly TargetResult[], when: string): string {
  const out: string[] = [
    '# Parity with Debezium',
    '',
    `Last run of \`npm run parity\`: ${when}. It runs the real Debezium connector in Kafka Connect standalone and`,
    'the Outflow relay side by side on the same database, the same changes and the same Kafka, reads back both',
    "sides' topics and compares them record by record, field by field (keys, value schemas and payloads,",
    'headers; the topic prefix of each side is replaced by `P_`). Expected differences are listed apart; anything',
    'else is unexplained. JSON is compared parsed, so Jackson escaping non-BMP characters as surrogate pairs where',
    'Outflow writes raw UTF-8 is the same value.',
    '',
    'Connectors per side: `raw` (every table, `decimal.handling.mode=precise`), `str` and `dbl` (the types table',
    'with `decimal.handling.mode` `string` and `double`), `rtr` (the outbox table through the Event Router with',
    '`table.expand.json.payload=true` and `table.fields.additional.placement=type:header:eventType`). After the',
    'streamed changes the relay is stopped, rows are written around an ALTER TABLE (add, drop, retype and rename',
    'columns), and the relay is started again.',
    '',
    "On MariaDB the `P_<mode>` topics hold the schema-change records (`include.schema.changes`): the snapshot's",
    'statements (`SET character_set_server…`, `DROP TABLE IF EXISTS…`, `DROP`/`CREATE DATABASE`, `USE`, each',
    '`CREATE TABLE`) and the ALTER TABLE read while the relay catches up. Both sides keep their schema history in',
    'Kafka (`schema.history.internal.kafka.*`).',
    '',
  ];
  for (const r of results) {
    const c = r.comparison;
    const expected = group(c.differences.filter((d) => d.expected !== undefined));
    const unexplained = group(c.differences.filter((d) => d.expected === undefined));
    out.push(`## ${r.target}: ${r.debezium} on Kafka Connect ${r.connect}`, '');
    out.push(`Database: ${r.database}.`, '');
    if (r.error !== undefined) out.push(`**The run did not finish:** ${cell(r.error)}`, '');
    out.push(
      `${c.pairs} record pairs compared, ${c.identicalPairs} identical but for expected differences; ` +
        `${unexplained.length} unexplained difference(s).`,
      '',
      '| topic | Debezium records | Outflow records |',
      '| --- | --- | --- |',
      ...c.topics.map((t) => `| \`${t.topic}\` | ${t.debezium} | ${t.outflow} |`),
      '',
      '### Expected differences',
      '',
      '| path | why | records |',
      '| --- | --- | --- |',
      ...expected.map((g) => `| \`${g.path}\` | ${cell(g.example.expected ?? '')} | ${g.count} |`),
      '',
      '### Unexplained differences',
      '',
    );
    if (unexplained.length === 0) out.push('None.', '');
    else
      out.push(
        '| path | records | example topic | Debezium | Outflow |',
        '| --- | --- | --- | --- | --- |',
        ...unexplained.map(
          (g) =>
            `| \`${cell(g.path)}\` | ${g.count} | \`${g.example.topic}\` #${g.example.index} | \`${cell(show(g.example.debezium))}\` | \`${cell(show(g.example.outflow))}\` |`,
        ),
        '',
      );
  }
  return `${out.join('\n')}\n`;
}

/** A short console summary. */
export function renderSummary(r: TargetResult): string {
  const c = r.comparison;
  const unexplained = group(c.differences.filter((d) => d.expected === undefined));
  const lines = [
    `${r.target}: ${c.pairs} pairs, ${c.identicalPairs} identical (expected differences aside), ${unexplained.length} unexplained path(s)`,
    ...unexplained.map(
      (g) =>
        `  ${g.path} ×${g.count}  debezium=${show(g.example.debezium)}  outflow=${show(g.example.outflow)}`,
    ),
  ];
  return lines.join('\n');
}
