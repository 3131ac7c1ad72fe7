import { buildTableSchemas, type ColumnField, type TableEnvelopeSchemas } from '@outflow/relay-core';
import { columnDefault } from './decoder/defaults.ts';
import type { TupleValue } from './decoder/pgoutput.ts';
import { type ColumnType, columnType, type TypeModes, unavailablePlaceholder } from './decoder/values.ts';
import { postgresSourceSchema } from './source-info.ts';

/** The smallest query surface the source needs on a regular connection (a `pg.Client` satisfies it). */
export interface SqlExecutor {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A column as the catalog or a Relation message describes it. */
export interface ColumnInfo {
  readonly name: string;
  readonly typeOid: number;
  readonly typeMod: number;
  readonly notNull: boolean;
  /** The default expression as `pg_get_expr` shows it; null for none. */
  readonly defaultExpr?: string | null;
  /** The labels of a user-defined enum type, in sort order; absent for other types. */
  readonly enumValues?: readonly string[];
}

/** A captured table: its columns with their conversions, and its change-event schemas. */
export interface CapturedTable {
  readonly relationId: number;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly ColumnInfo[];
  readonly types: readonly ColumnType[];
  readonly schemas: TableEnvelopeSchemas;
}

/** What the catalog says about a table: its columns and its primary key (in key order). */
export interface CatalogTable {
  readonly relationId: number;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly ColumnInfo[];
  readonly keyColumns: readonly string[];
}

/** Reads a table's columns and primary key from the catalog; null when the relation no longer exists. */
export async function readCatalogTable(db: SqlExecutor, relationId: number): Promise<CatalogTable | null> {
  const rel = await db.query(
    `SELECT n.nspname AS schema, c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = $1`,
    [relationId],
  );
  const head = rel.rows[0];
  if (head === undefined) return null;
  const cols = await db.query(
    `SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default_expr,
            CASE WHEN t.typtype = 'e' THEN
              (SELECT array_to_json(array_agg(e.enumlabel ORDER BY e.enumsortorder))::text
                 FROM pg_enum e WHERE e.enumtypid = t.oid) END AS enum_values
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.attgenerated = ''
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [relationId],
  );
  const key = await db.query(
    `SELECT a.attname FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1 AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [relationId],
  );
  return {
    relationId,
    schema: String(head.schema),
    table: String(head.table),
    columns: cols.rows.map((r) => ({
      name: String(r.attname),
      typeOid: Number(r.atttypid),
      typeMod: Number(r.atttypmod),
      notNull: r.attnotnull === true || r.attnotnull === 't',
      defaultExpr: r.default_expr === null || r.default_expr === undefined ? null : String(r.default_expr),
      ...(typeof r.enum_values === 'string' ? { enumValues: JSON.parse(r.enum_values) as string[] } : {}),
    })),
    keyColumns: key.rows.map((r) => String(r.attname)),
  };
}

/**
 * Builds a captured table. `columns` are the columns the rows carry (the Relation message's, or the
 * catalog's for a snapshot); nullability and the primary key come from the catalog.
 */
export function buildCapturedTable(options: {
  topicPrefix: string;
  catalog: CatalogTable;
  columns?: readonly { name: string; typeOid: number; typeMod: number }[];
  modes: TypeModes;
}): CapturedTable {
  const { catalog, modes } = options;
  const known = new Map(catalog.columns.map((c) => [c.name, c]));
  const columns: ColumnInfo[] = (options.columns ?? catalog.columns).map((c) => {
    const k = known.get(c.name);
    // The catalog's default and enum labels hold only while it describes the same type as the rows.
    const sameType = k !== undefined && k.typeOid === c.typeOid;
    return {
      name: c.name,
      typeOid: c.typeOid,
      typeMod: c.typeMod,
      notNull: k?.notNull ?? false,
      defaultExpr: sameType ? (k.defaultExpr ?? null) : null,
      ...(sameType && k.enumValues !== undefined ? { enumValues: k.enumValues } : {}),
    };
  });
  const types = columns.map((c) => {
    const type = columnType(c.typeOid, c.typeMod, !c.notNull, modes, { enumValues: c.enumValues });
    const fallback = columnDefault(c.typeOid, c.defaultExpr ?? null, type, c.enumValues !== undefined);
    return fallback === undefined ? type : { ...type, schema: { ...type.schema, default: fallback } };
  });
  const fields: ColumnField[] = columns.map((c, i) => ({ name: c.name, schema: types[i]!.schema }));
  const present = new Set(columns.map((c) => c.name));
  const keyColumns = catalog.keyColumns.every((k) => present.has(k)) ? catalog.keyColumns : [];
  const schemas = buildTableSchemas({
    topicPrefix: options.topicPrefix,
    namespace: catalog.schema,
    table: catalog.table,
    columns: fields,
    keyColumns,
    sourceSchema: postgresSourceSchema,
  });
  return {
    relationId: catalog.relationId,
    schema: catalog.schema,
    table: catalog.table,
    columns,
    types,
    schemas,
  };
}

/**
 * Converts a row of text values (a TupleData, or a snapshot row in column order) into Connect values. An
 * unchanged TOASTed value becomes `placeholder` (Debezium's `unavailable.value.placeholder`), never null.
 */
export function tupleToRow(
  table: CapturedTable,
  tuple: readonly TupleValue[],
  placeholder: string,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  table.columns.forEach((column, i) => {
    const value = tuple[i];
    const type = table.types[i]!;
    if (value === null || value === undefined) row[column.name] = null;
    else if (typeof value === 'string') row[column.name] = type.convert(value);
    else if ('unchanged' in value) row[column.name] = unavailablePlaceholder(type.schema, placeholder);
    else throw new Error(`column ${column.name}: binary tuple values are not requested and not supported`);
  });
  return row;
}
