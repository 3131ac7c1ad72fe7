import { RelayError } from '@outflow/relay-core';
import type { PublicationAutocreateMode } from '../config.ts';
import type { TableFilter } from '../filters.ts';
import type { SqlExecutor } from '../tables.ts';
import { quoteIdent } from './connection.ts';

/** A table of the database, as the publication and the snapshot name it. */
export interface TableName {
  readonly relationId: number;
  readonly schema: string;
  readonly table: string;
}

/** Lists the ordinary and partitioned tables the filter captures, in Debezium's snapshot order. */
export async function listCapturedTables(db: SqlExecutor, filter: TableFilter): Promise<TableName[]> {
  const result = await db.query(
    `SELECT c.oid AS relid, n.nspname AS schema, c.relname AS table FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY n.nspname, c.relname`,
  );
  return filter.snapshotOrder(
    result.rows
      .map((r) => ({ relationId: Number(r.relid), schema: String(r.schema), table: String(r.table) }))
      .filter((t) => filter.includes(t.schema, t.table)),
  );
}

const qualified = (t: TableName) => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;

/**
 * Makes sure the publication pgoutput streams exists, per `publication.autocreate.mode`:
 * `all_tables` creates it `FOR ALL TABLES`; `filtered` creates it for the captured tables and, when it
 * exists, sets its table list to them; `disabled` fails when it is missing. Returns what was done.
 */
export async function ensurePublication(
  db: SqlExecutor,
  options: { name: string; mode: PublicationAutocreateMode; tables: readonly TableName[] },
): Promise<'exists' | 'created' | 'altered'> {
  const { name, mode, tables } = options;
  const found = await db.query('SELECT puballtables FROM pg_publication WHERE pubname = $1', [name]);
  const existing = found.rows[0];
  const tableList = tables.map(qualified).join(', ');
  if (existing === undefined) {
    if (mode === 'disabled')
      throw new RelayError(
        'SOURCE_SERVER_MISCONFIGURED',
        `publication ${name} does not exist and publication.autocreate.mode is 'disabled'; create it ` +
          `(CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES, or FOR TABLE <tables>) or set the mode to ` +
          "'all_tables' or 'filtered'",
        { details: { publication: name } },
      );
    if (mode === 'all_tables') await db.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`);
    else if (tables.length === 0) await db.query(`CREATE PUBLICATION ${quoteIdent(name)}`);
    else await db.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${tableList}`);
    return 'created';
  }
  if (mode !== 'filtered') return 'exists';
  const allTables = existing.puballtables === true || existing.puballtables === 't';
  if (allTables)
    throw new RelayError(
      'SOURCE_SERVER_MISCONFIGURED',
      `publication ${name} is FOR ALL TABLES but publication.autocreate.mode is 'filtered'; drop it or use another publication.name`,
      { details: { publication: name } },
    );
  const current = await db.query(
    'SELECT schemaname AS schema, tablename AS table FROM pg_publication_tables WHERE pubname = $1',
    [name],
  );
  const have = new Set(current.rows.map((r) => `${r.schema}.${r.table}`));
  const want = new Set(tables.map((t) => `${t.schema}.${t.table}`));
  if (have.size === want.size && [...want].every((t) => have.has(t))) return 'exists';
  if (tables.length === 0) {
    const drop = current.rows.map((r) => `${quoteIdent(String(r.schema))}.${quoteIdent(String(r.table))}`);
    await db.query(`ALTER PUBLICATION ${quoteIdent(name)} DROP TABLE ${drop.join(', ')}`);
  } else await db.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${tableList}`);
  return 'altered';
}
