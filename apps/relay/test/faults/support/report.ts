/**
 * The fault suite's table: one row per scenario (events written, delivered, lost, duplicated, time to
 * recover, what the status and the metrics said, and the verdict). Each spec prints its rows when it ends;
 * with `OUTFLOW_FAULTS_REPORT` set, rows are also appended to that file (JSON lines) so `npm run test:faults`
 * can print the whole table at the end.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** One scenario's outcome. */
export interface FaultRow {
  readonly scenario: string;
  readonly written: number | string;
  readonly delivered: number | string;
  readonly lost: number | string;
  readonly duplicated: number | string;
  /** From the fault's end to the first event written after it being delivered; then to full catch-up. */
  readonly recover: string;
  readonly status: string;
  readonly metrics: string;
  /** `pass`, or `FAIL: <what did not hold>`. */
  readonly verdict: string;
}

const rows: FaultRow[] = [];

/** Records a row (and appends it to `OUTFLOW_FAULTS_REPORT` when set). */
export function recordRow(row: FaultRow): void {
  rows.push(row);
  const file = process.env.OUTFLOW_FAULTS_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

const COLUMNS: readonly [keyof FaultRow, string][] = [
  ['scenario', 'scenario'],
  ['written', 'written'],
  ['delivered', 'delivered (distinct)'],
  ['lost', 'lost'],
  ['duplicated', 'duplicated'],
  ['recover', 'time to recover'],
  ['status', 'status said'],
  ['metrics', 'metrics said'],
  ['verdict', 'verdict'],
];

const cell = (value: unknown) => String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The rows as a markdown table. */
export function markdownTable(list: readonly FaultRow[]): string {
  return [
    `| ${COLUMNS.map(([, title]) => title).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...list.map((row) => `| ${COLUMNS.map(([key]) => cell(row[key])).join(' | ')} |`),
  ].join('\n');
}

/** The rows this process recorded, as a markdown table. */
export function thisFileTable(): string {
  return markdownTable(rows);
}

/** The rows appended to `file` by every spec of a run. */
export function readReport(file: string): FaultRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as FaultRow);
}

/**
 * A duration of the suite: `OUTFLOW_FAULT_<name>_MS` when set, else `fallback`. The full run uses the
 * issue's durations; `npm test` runs the quick scenarios with short ones.
 */
export function faultDuration(name: string, fallback: number): number {
  const raw = process.env[`OUTFLOW_FAULT_${name}_MS`];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`OUTFLOW_FAULT_${name}_MS: not a duration: ${raw}`);
  return value;
}
