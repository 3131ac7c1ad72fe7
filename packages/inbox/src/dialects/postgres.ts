import { INSERT_COLUMNS, type InboxSqlDialect, wrappedDatabaseCode } from './dialect.ts';

/** Quotes a PostgreSQL identifier (or `schema.table`) with double quotes. */
export function quote(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

function indexName(table: string): string {
  return `${table.split('.').pop()}_received_at`;
}

/** The inbox table and its `received_at` index. */
export function ddl(table: string): string[] {
  return [
    [
      `CREATE TABLE IF NOT EXISTS ${quote(table)} (`,
      '  event_id text NOT NULL PRIMARY KEY,',
      '  event_type text NULL,',
      '  aggregate_type text NULL,',
      '  aggregate_id text NULL,',
      '  topic text NOT NULL,',
      '  "partition" integer NOT NULL,',
      '  "offset" bigint NOT NULL,',
      '  received_at timestamptz(3) NOT NULL DEFAULT now()',
      ')',
    ].join('\n'),
    `CREATE INDEX IF NOT EXISTS ${quote(indexName(table))} ON ${quote(table)} (received_at)`,
  ];
}

/**
 * `ON CONFLICT DO NOTHING`: a duplicate inserts no row and, unlike a unique violation, does not abort the
 * transaction. A concurrent insert of the same id waits for the other transaction and then sees the row.
 */
export function insertSql(table: string): string {
  const names = INSERT_COLUMNS.map((c) => quote(c)).join(', ');
  return (
    `INSERT INTO ${quote(table)} (${names}) VALUES ($1, $2, $3, $4, $5, $6, $7) ` +
    'ON CONFLICT ("event_id") DO NOTHING'
  );
}

/** Numbered value lists `($1, …, $7), ($8, …)` for `rows` rows of `columns` parameters. */
function valueLists(rows: number, columns: number): string {
  const lists: string[] = [];
  for (let r = 0; r < rows; r++) {
    lists.push(`(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`);
  }
  return lists.join(', ');
}

/** {@link insertSql} with `rows` value lists; `RETURNING` names the rows that were new. */
export function insertManySql(table: string, rows: number): string {
  const names = INSERT_COLUMNS.map((c) => quote(c)).join(', ');
  return (
    `INSERT INTO ${quote(table)} (${names}) VALUES ${valueLists(rows, INSERT_COLUMNS.length)} ` +
    'ON CONFLICT ("event_id") DO NOTHING RETURNING "event_id"'
  );
}

/** The `event_id`s a pg result returned. */
export function existingIds(result: unknown): string[] {
  const rows = (result as { rows?: { event_id: string }[] } | undefined)?.rows;
  return Array.isArray(rows) ? rows.map((r) => String(r.event_id)) : [];
}

/** The ids `RETURNING` gave: the rows this statement inserted. */
export function insertedIds(result: unknown): string[] {
  return existingIds(result);
}

/** The ids among `count` parameters that have a row. */
export function existingSql(table: string, count: number): string {
  return `SELECT "event_id" FROM ${quote(table)} WHERE "event_id" IN (${valueLists(1, count).slice(1, -1)})`;
}

/** pg resolves a result with `rowCount`. */
export function insertedRows(result: unknown): number {
  const count = (result as { rowCount?: unknown } | undefined)?.rowCount;
  return typeof count === 'number' ? count : 0;
}

/**
 * `unique_violation` (23505), as the driver reports it or as a data layer keeps it ({@link wrappedDatabaseCode});
 * not raised by the INSERT above, but a custom executor may.
 */
export function isDuplicate(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505' || wrappedDatabaseCode(error) === '23505';
}

/** Deletes a batch chosen by `ctid`, since PostgreSQL's DELETE has no LIMIT. */
export function cleanupSql(table: string, batchSize: number): string {
  return (
    `DELETE FROM ${quote(table)} WHERE ctid IN (SELECT ctid FROM ${quote(table)} ` +
    `WHERE received_at < now() - ($1::bigint * interval '1 microsecond') LIMIT ${batchSize})`
  );
}

/** The PostgreSQL dialect. */
export const postgresDialect: InboxSqlDialect = {
  name: 'postgres',
  quote,
  ddl,
  insertSql,
  insertManySql,
  insertedIds,
  existingSql,
  existingIds,
  insertedRows,
  isDuplicate,
  cleanupSql,
};
