import type { OutboxColumns, OutboxDialect } from '../types.ts';

/**
 * What differs between databases: quoting, column types, placeholders. Each dialect file implements this shape;
 * every function is pure (it builds SQL text, it never runs it). Names passed in are already validated.
 */
export interface SqlDialect {
  /** The dialect's name. */
  readonly name: OutboxDialect;
  /** Quotes a possibly qualified name (`schema.table`), part by part. */
  quote(name: string): string;
  /** `CREATE TABLE IF NOT EXISTS` statements for the outbox table. */
  ddl(table: string, columns: Readonly<OutboxColumns>): string[];
  /**
   * A multi-row INSERT of `rowCount` events; parameters are, per row, id, aggregateType, aggregateId, type,
   * payload (JSON text), and the span context when `tracing`. The timestamp column is left to its default.
   */
  insertSql(table: string, columns: Readonly<OutboxColumns>, rowCount: number, tracing: boolean): string;
  /**
   * Adds the span context column to a table created before it existed. PostgreSQL skips an existing column
   * (`IF NOT EXISTS`); MySQL has no such clause, so its "duplicate column" error means done.
   */
  addTracingColumnSql(table: string, columns: Readonly<OutboxColumns>): string;
  /** A DELETE of `idCount` events by id; one parameter per id. */
  deleteSql(table: string, columns: Readonly<OutboxColumns>, idCount: number): string;
}

/** Columns an INSERT fills, in parameter order. */
export const INSERT_FIELDS = ['id', 'aggregateType', 'aggregateId', 'type', 'payload'] as const;

/** The columns an INSERT names: the span context last, and only when tracing (older tables lack it). */
export function insertFields(tracing: boolean): readonly (keyof OutboxColumns)[] {
  return tracing ? [...INSERT_FIELDS, 'tracingSpanContext'] : INSERT_FIELDS;
}

/** Builds `count` groups of `width` placeholders, e.g. `(?, ?), (?, ?)`, numbering them from 1 if asked. */
export function placeholderRows(count: number, width: number, placeholder: (n: number) => string): string {
  const rows: string[] = [];
  for (let row = 0; row < count; row++) {
    const cells: string[] = [];
    for (let cell = 0; cell < width; cell++) cells.push(placeholder(row * width + cell + 1));
    rows.push(`(${cells.join(', ')})`);
  }
  return rows.join(', ');
}
