import type { OutboxColumns } from '../types.ts';
import { insertFields, placeholderRows, type SqlDialect } from './dialect.ts';

/** Quotes a MySQL/MariaDB identifier (or `schema.table`) with backticks. */
export function quote(name: string): string {
  return name
    .split('.')
    .map((part) => `\`${part.replaceAll('`', '``')}\``)
    .join('.');
}

/**
 * The outbox table, compatible with Debezium's Outbox Event Router defaults. `id` is the UUID as text; on
 * MariaDB `JSON` is an alias of `LONGTEXT` with a `JSON_VALID` check. The timestamp has microseconds.
 */
export function ddl(table: string, c: Readonly<OutboxColumns>): string[] {
  return [
    [
      `CREATE TABLE IF NOT EXISTS ${quote(table)} (`,
      `  ${quote(c.id)} CHAR(36) NOT NULL,`,
      `  ${quote(c.aggregateType)} VARCHAR(255) NOT NULL,`,
      `  ${quote(c.aggregateId)} VARCHAR(255) NOT NULL,`,
      `  ${quote(c.type)} VARCHAR(255) NOT NULL,`,
      `  ${quote(c.payload)} JSON NOT NULL,`,
      `  ${quote(c.timestamp)} TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),`,
      `  ${quote(c.tracingSpanContext)} TEXT NULL,`,
      `  PRIMARY KEY (${quote(c.id)})`,
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    ].join('\n'),
  ];
}

/** `INSERT INTO t (id, …) VALUES (?, ?, ?, ?, ?), …` */
export function insertSql(
  table: string,
  c: Readonly<OutboxColumns>,
  rowCount: number,
  tracing: boolean,
): string {
  const fields = insertFields(tracing);
  const names = fields.map((field) => quote(c[field])).join(', ');
  const values = placeholderRows(rowCount, fields.length, () => '?');
  return `INSERT INTO ${quote(table)} (${names}) VALUES ${values}`;
}

/** `DELETE FROM t WHERE id IN (?, …)` */
export function deleteSql(table: string, c: Readonly<OutboxColumns>, idCount: number): string {
  return `DELETE FROM ${quote(table)} WHERE ${quote(c.id)} IN ${placeholderRows(1, idCount, () => '?')}`;
}

/** `ALTER TABLE t ADD COLUMN tracingspancontext TEXT NULL` (fails with ER_DUP_FIELDNAME when present). */
export function addTracingColumnSql(table: string, c: Readonly<OutboxColumns>): string {
  return `ALTER TABLE ${quote(table)} ADD COLUMN ${quote(c.tracingSpanContext)} TEXT NULL`;
}

/** The MySQL/MariaDB dialect. */
export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  quote,
  ddl,
  insertSql,
  deleteSql,
  addTracingColumnSql,
};
