import type { SqlExecutor } from '../pool.ts';

/**
 * The rows of a `SELECT` run through `tx`, a `mysql2/promise` connection: its `query` resolves to
 * `[rows, fields]`. `R` is the row shape the caller's SQL selects.
 */
export async function selectMysqlRows<R>(tx: SqlExecutor, sql: string, values: unknown[] = []): Promise<R[]> {
  const [rows] = (await tx.query(sql, values)) as [R[], unknown];
  return rows;
}
