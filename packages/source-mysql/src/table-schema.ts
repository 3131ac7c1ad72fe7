import { buildTableSchemas, type TableEnvelopeSchemas } from '@outflow/relay-core';
import {
  type ColumnMeta,
  columnSchema,
  parseMembers,
  type TypeModes,
  type ValueKind,
  valueKindOf,
} from './column-types.ts';
import type { CaptureFilter } from './filters.ts';
import {
  type ColumnDefinition,
  columnDefinition,
  columnMetaFromDefinition,
  type TableDefinition,
} from './schema-change.ts';
import { mysqlSourceSchema } from './source-info.ts';
import { type WrittenColumn, writtenColumns } from './written-table.ts';

/** The smallest query surface the schema reader needs (a mysql2/promise connection satisfies it). */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<[unknown, unknown]>;
}

/** A captured table: its columns, key and change-event schemas. */
export interface CapturedTable {
  readonly db: string;
  readonly table: string;
  /** All columns in table order (the row image order). */
  readonly columns: readonly ColumnMeta[];
  /** Emitted columns (without `column.exclude.list` matches) with their conversions. */
  readonly emitted: readonly { readonly meta: ColumnMeta; readonly kind: ValueKind }[];
  readonly schemas: TableEnvelopeSchemas;
  /** Debezium's description of the table, for the schema history (absent for a table map's description). */
  readonly definition?: TableDefinition;
}

/** A row of information_schema.COLUMNS as selected below. */
export interface ColumnRow {
  COLUMN_NAME: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  COLUMN_DEFAULT: string | null;
  EXTRA: string | null;
  NUMERIC_PRECISION: number | string | null;
  NUMERIC_SCALE: number | string | null;
  DATETIME_PRECISION: number | string | null;
  CHARACTER_MAXIMUM_LENGTH: number | string | null;
  CHARACTER_SET_NAME?: string | null;
  COLUMN_COMMENT?: string | null;
}

/**
 * Turns an information_schema.COLUMNS row into column metadata. MariaDB (10.2.7+) reports literal defaults
 * quoted and DEFAULT NULL as the text `NULL`; MySQL reports them bare and marks expressions in EXTRA.
 */
export function columnMetaFromRow(
  row: ColumnRow,
  mariadb: boolean,
  jsonColumns: ReadonlySet<string>,
): ColumnMeta {
  const columnType = String(row.COLUMN_TYPE).toLowerCase();
  const dataType = String(row.DATA_TYPE).toLowerCase();
  let defaultValue: string | null = row.COLUMN_DEFAULT === null ? null : String(row.COLUMN_DEFAULT);
  let defaultIsExpression = false;
  if (defaultValue !== null) {
    if (mariadb) {
      if (defaultValue === 'NULL') defaultValue = null;
      else if (defaultValue.startsWith("'") && defaultValue.endsWith("'") && defaultValue.length >= 2)
        defaultValue = defaultValue.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, '$1');
      else if (!/^-?[\d.]+(e[-+]?\d+)?$/i.test(defaultValue) && !/^b'[01]*'$/i.test(defaultValue))
        defaultIsExpression = true;
    } else if (/DEFAULT_GENERATED/i.test(row.EXTRA ?? '') || /^current_timestamp/i.test(defaultValue)) {
      defaultIsExpression = true;
    }
  }
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    name: row.COLUMN_NAME,
    dataType,
    columnType,
    nullable: String(row.IS_NULLABLE).toUpperCase() === 'YES',
    defaultValue,
    defaultIsExpression,
    unsigned: /\bunsigned\b/.test(columnType),
    precision: num(row.NUMERIC_PRECISION),
    scale: num(row.NUMERIC_SCALE),
    fsp: num(row.DATETIME_PRECISION) ?? 0,
    length: num(row.CHARACTER_MAXIMUM_LENGTH),
    json: dataType === 'json' || jsonColumns.has(row.COLUMN_NAME),
    members: dataType === 'enum' || dataType === 'set' ? parseMembers(String(row.COLUMN_TYPE)) : [],
  };
}

/** Builds the captured-table description (pure). */
export function describeTable(options: {
  topicPrefix: string;
  connector: 'mysql' | 'mariadb';
  db: string;
  table: string;
  columns: readonly ColumnMeta[];
  keyColumns: readonly string[];
  filter: CaptureFilter;
  modes: TypeModes;
  definition?: TableDefinition;
}): CapturedTable {
  const emittedMeta = options.columns.filter((c) =>
    options.filter.includesColumn(options.db, options.table, c.name),
  );
  const emitted = emittedMeta.map((meta) => ({ meta, kind: valueKindOf(meta, options.modes) }));
  const schemas = buildTableSchemas({
    topicPrefix: options.topicPrefix,
    namespace: options.db,
    table: options.table,
    columns: emittedMeta.map((c) => ({ name: c.name, schema: columnSchema(c, options.modes) })),
    keyColumns: options.keyColumns.filter((k) => emittedMeta.some((c) => c.name === k)),
    sourceSchema: mysqlSourceSchema(options.connector),
  });
  return {
    db: options.db,
    table: options.table,
    columns: options.columns,
    emitted,
    schemas,
    ...(options.definition === undefined ? {} : { definition: options.definition }),
  };
}

/**
 * JSON columns of MariaDB: its JSON type is LONGTEXT with a `json_valid(`col`)` CHECK constraint. Only the
 * MySQL connector names them JSON; the MariaDB connector writes them as plain strings.
 */
export function jsonColumnsFromChecks(clauses: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const clause of clauses) {
    const m = /^\s*json_valid\(\s*`((?:[^`]|``)+)`\s*\)\s*$/i.exec(clause);
    if (m) out.add(m[1]!.replace(/``/g, '`'));
  }
  return out;
}

/** What every table description depends on besides the table itself. */
export interface TableSchemaOptions {
  readonly topicPrefix: string;
  readonly connector: 'mysql' | 'mariadb';
  /** The server is MariaDB (changes how defaults and JSON columns are reported). */
  readonly mariadb: boolean;
  readonly filter: CaptureFilter;
  readonly modes: TypeModes;
}

/**
 * Reads and caches table descriptions from information_schema: on first sight of a table, and again after a
 * DDL statement touched its database (`invalidate`).
 */
export class TableSchemaCache {
  readonly #cache = new Map<string, CapturedTable | null>();
  readonly #options: TableSchemaOptions;

  constructor(options: TableSchemaOptions) {
    this.#options = options;
  }

  /** The cached description, or undefined when it must be loaded. */
  peek(db: string, table: string): CapturedTable | null | undefined {
    return this.#cache.get(key(db, table));
  }

  /** Loads (or returns the cached) description; null when the table no longer exists. */
  async get(conn: Queryable, db: string, table: string): Promise<CapturedTable | null> {
    const k = key(db, table);
    const cached = this.#cache.get(k);
    if (cached !== undefined) return cached;
    const loaded = await this.load(conn, db, table);
    this.#cache.set(k, loaded);
    return loaded;
  }

  /**
   * The table as a row was written, from the binlog's table map (`binlog_row_metadata=FULL`): used when the
   * row does not match the current definition because the table was altered since (the relay was behind).
   * Cached per definition; the current table itself when nothing changed. The key columns are the current
   * ones the written row still has.
   */
  asWritten(
    current: CapturedTable | null,
    db: string,
    table: string,
    written: readonly WrittenColumn[],
  ): CapturedTable {
    const k = `${key(db, table)}\u0000${written.map((w) => `${w.COLUMN_NAME}:${w.COLUMN_TYPE}`).join(',')}`;
    const cached = this.#written.get(k);
    if (cached !== undefined && cached.current === current) return cached.table;
    const columns = writtenColumns(current?.columns ?? [], written, this.#options.modes);
    if (
      current !== null &&
      columns.length === current.columns.length &&
      columns.every((c, i) => c === current.columns[i])
    ) {
      this.#written.set(k, { current, table: current });
      return current;
    }
    const names = new Set(columns.map((c) => c.name));
    const keys = current?.schemas.keyColumns ?? [];
    const described = describeTable({
      ...this.#options,
      db,
      table,
      columns,
      keyColumns: keys.every((k) => names.has(k)) ? keys : [],
    });
    this.#written.set(k, { current, table: described });
    return described;
  }

  readonly #written = new Map<string, { current: CapturedTable | null; table: CapturedTable }>();

  /** Puts a description in force (after DDL, or recovered from the schema history); null: the table is gone. */
  set(db: string, table: string, described: CapturedTable | null): void {
    this.#cache.set(key(db, table), described);
  }

  /** The captured-table description of a definition recovered from the schema history. */
  fromDefinition(db: string, table: string, definition: TableDefinition): CapturedTable {
    const json = (c: ColumnDefinition) => c.typeName.toUpperCase() === 'JSON';
    return describeTable({
      ...this.#options,
      db,
      table,
      columns: definition.columns.map((c) => columnMetaFromDefinition(c, json(c))),
      keyColumns: definition.primaryKeyColumnNames,
      definition,
    });
  }

  /** Forgets every table of `db` (after DDL), or one table. */
  invalidate(db: string, table?: string): void {
    if (table !== undefined) {
      this.#cache.delete(key(db, table));
      return;
    }
    for (const k of [...this.#cache.keys()]) if (k.startsWith(`${db}\u0000`)) this.#cache.delete(k);
  }

  async load(conn: Queryable, db: string, table: string): Promise<CapturedTable | null> {
    const [rows] = (await conn.query(
      `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, NUMERIC_PRECISION,
              NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_MAXIMUM_LENGTH, CHARACTER_SET_NAME, COLUMN_COMMENT
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [db, table],
    )) as [ColumnRow[], unknown];
    if (rows.length === 0) return null;
    const [keys] = (await conn.query(
      `SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
      [db, table],
    )) as [{ COLUMN_NAME: string }[], unknown];
    let jsonColumns = new Set<string>();
    // Debezium's MariaDB connector sees MariaDB's JSON as what it is, LONGTEXT: a plain string. The MySQL
    // connector (Debezium 1.x/2.x on MariaDB) read the DDL's JSON and named it io.debezium.data.Json.
    if (this.#options.mariadb && this.#options.connector === 'mysql') {
      const [checks] = (await conn.query(
        'SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?',
        [db, table],
      )) as [{ CHECK_CLAUSE: string }[], unknown];
      jsonColumns = jsonColumnsFromChecks(checks.map((c) => String(c.CHECK_CLAUSE)));
    }
    const columns = rows.map((r) => columnMetaFromRow(r, this.#options.mariadb, jsonColumns));
    const [tableRows] = (await conn.query(
      'SELECT TABLE_COLLATION, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [db, table],
    )) as [{ TABLE_COLLATION: string | null; TABLE_COMMENT: string | null }[], unknown];
    const collation = tableRows[0]?.TABLE_COLLATION ?? null;
    const comment = tableRows[0]?.TABLE_COMMENT ?? null;
    const keyColumns = keys.map((k) => k.COLUMN_NAME);
    const definition: TableDefinition = {
      // A collation's name starts with its character set's: utf8mb4_general_ci.
      defaultCharsetName: collation === null ? null : (collation.split('_')[0] ?? null),
      primaryKeyColumnNames: keyColumns,
      columns: columns.map((meta, i) =>
        columnDefinition(meta, i + 1, {
          charsetName: rows[i]!.CHARACTER_SET_NAME ?? null,
          extra: rows[i]!.EXTRA,
          comment: rows[i]!.COLUMN_COMMENT ?? null,
        }),
      ),
      comment: comment === null || comment === '' ? null : comment,
    };
    return describeTable({ ...this.#options, db, table, columns, keyColumns, definition });
  }
}

function key(db: string, table: string): string {
  return `${db}\u0000${table}`;
}
