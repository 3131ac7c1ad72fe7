import type { OutboxColumns } from '../types.ts';
import { insertFields, placeholderRows, type SqlDialect } from './dialect.ts';

/** Quotes a PostgreSQL identifier (or `schema.table`) with double quotes; case is then preserved. */
export function quote(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

/**
 * The outbox table, compatible with Debezium's Outbox Event Router defaults. The primary key gives the default
 * replica identity, which is all logical decoding of inserts needs.
 */
export function ddl(table: string, c: Readonly<OutboxColumns>): string[] {
  return [
    [
      `CREATE TABLE IF NOT EXISTS ${quote(table)} (`,
      `  ${quote(c.id)} uuid NOT NULL PRIMARY KEY,`,
      `  ${quote(c.aggregateType)} varchar(255) NOT NULL,`,
      `  ${quote(c.aggregateId)} varchar(255) NOT NULL,`,
      `  ${quote(c.type)} varchar(255) NOT NULL,`,
      `  ${quote(c.payload)} jsonb NOT NULL,`,
      `  ${quote(c.timestamp)} timestamptz NOT NULL DEFAULT now(),`,
      `  ${quote(c.tracingSpanContext)} text NULL`,
      ')',
    ].join('\n'),
  ];
}

/** `INSERT INTO t (id, …) VALUES ($1, $2, $3, $4, $5), …` */
export function insertSql(
  table: string,
  c: Readonly<OutboxColumns>,
  rowCount: number,
  tracing: boolean,
): string {
  const fields = insertFields(tracing);
  const names = fields.map((field) => quote(c[field])).join(', ');
  const values = placeholderRows(rowCount, fields.length, (n) => `$${n}`);
  return `INSERT INTO ${quote(table)} (${names}) VALUES ${values}`;
}

/** `DELETE FROM t WHERE id IN ($1, …)` */
export function deleteSql(table: string, c: Readonly<OutboxColumns>, idCount: number): string {
  return `DELETE FROM ${quote(table)} WHERE ${quote(c.id)} IN ${placeholderRows(1, idCount, (n) => `$${n}`)}`;
}

/** `ALTER TABLE t ADD COLUMN IF NOT EXISTS tracingspancontext text NULL` */
export function addTracingColumnSql(table: string, c: Readonly<OutboxColumns>): string {
  return `ALTER TABLE ${quote(table)} ADD COLUMN IF NOT EXISTS ${quote(c.tracingSpanContext)} text NULL`;
}

/** The PostgreSQL dialect. */
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  quote,
  ddl,
  insertSql,
  deleteSql,
  addTracingColumnSql,
};
