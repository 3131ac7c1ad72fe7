import type { SqlExecutor } from '../pool.ts';

/**
 * The rows of a `SELECT` run through `tx`, a `pg` client: its `query` resolves to a result with `rows`. `R` is
 * the row shape the caller's SQL selects.
 */
export async function selectPostgresRows<R>(
  tx: SqlExecutor,
  sql: string,
  values: unknown[] = [],
): Promise<R[]> {
  const result = (await tx.query(sql, values)) as { rows: R[] };
  return result.rows;
}
