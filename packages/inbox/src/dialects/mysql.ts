import { INSERT_COLUMNS, type InboxSqlDialect, wrappedDatabaseCode } from './dialect.ts';

/** Quotes a MySQL/MariaDB identifier (or `schema.table`) with backticks. */
export function quote(name: string): string {
  return name
    .split('.')
    .map((part) => `\`${part.replaceAll('`', '``')}\``)
    .join('.');
}

/** The index name of `received_at` for `table` (the last part, so `db.inbox` gives `inbox_received_at`). */
function indexName(table: string): string {
  return `${table.split('.').pop()}_received_at`;
}

/**
 * The inbox table. `partition` and `offset` are quoted everywhere (`PARTITION` is reserved). `received_at`
 * is a `TIMESTAMP(3)` filled by the server, so cleanup compares it with the server clock only.
 */
export function ddl(table: string): string[] {
  return [
    [
      `CREATE TABLE IF NOT EXISTS ${quote(table)} (`,
      '  `event_id` VARCHAR(255) NOT NULL,',
      '  `event_type` VARCHAR(255) NULL,',
      '  `aggregate_type` VARCHAR(255) NULL,',
      '  `aggregate_id` VARCHAR(255) NULL,',
      '  `topic` VARCHAR(249) NOT NULL,',
      '  `partition` INT NOT NULL,',
      '  `offset` BIGINT NOT NULL,',
      '  `received_at` TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),',
      '  PRIMARY KEY (`event_id`),',
      `  KEY ${quote(indexName(table))} (\`received_at\`)`,
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    ].join('\n'),
  ];
}

/** A plain INSERT: a duplicate fails with `ER_DUP_ENTRY`, which leaves InnoDB's transaction usable. */
export function insertSql(table: string): string {
  const names = INSERT_COLUMNS.map((c) => quote(c)).join(', ');
  return `INSERT INTO ${quote(table)} (${names}) VALUES (?, ?, ?, ?, ?, ?, ?)`;
}

/** {@link insertSql} with `rows` value lists: one statement, all rows or (on a duplicate) none. */
export function insertManySql(table: string, rows: number): string {
  const names = INSERT_COLUMNS.map((c) => quote(c)).join(', ');
  return `INSERT INTO ${quote(table)} (${names}) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
}

/** A plain INSERT does not name its rows (and `INSERT IGNORE` would hide other errors too). */
export function insertedIds(): undefined {
  return undefined;
}

/** The ids among `count` parameters that have a row. */
export function existingSql(table: string, count: number): string {
  return `SELECT \`event_id\` FROM ${quote(table)} WHERE \`event_id\` IN (${Array(count).fill('?').join(', ')})`;
}

/** mysql2/promise resolves `[rows, fields]`. */
export function existingIds(result: unknown): string[] {
  const rows = (Array.isArray(result) ? result[0] : result) as { event_id: string }[];
  return Array.isArray(rows) ? rows.map((r) => String(r.event_id)) : [];
}

/** mysql2/promise resolves `[ResultSetHeader, fields]`. */
export function insertedRows(result: unknown): number {
  const header = Array.isArray(result) ? result[0] : result;
  const affected = (header as { affectedRows?: unknown } | undefined)?.affectedRows;
  return typeof affected === 'number' ? affected : 0;
}

/** `ER_DUP_ENTRY` (1062), as the driver reports it or as a data layer keeps it ({@link wrappedDatabaseCode}). */
export function isDuplicate(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null;
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062 || wrappedDatabaseCode(error) === '1062';
}

/** `DELETE … ORDER BY received_at LIMIT n`: short statements that each hold few locks. */
export function cleanupSql(table: string, batchSize: number): string {
  return (
    `DELETE FROM ${quote(table)} WHERE \`received_at\` < NOW(3) - INTERVAL ? MICROSECOND ` +
    `ORDER BY \`received_at\` LIMIT ${batchSize}`
  );
}

/** The MySQL/MariaDB dialect. */
export const mysqlDialect: InboxSqlDialect = {
  name: 'mysql',
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
