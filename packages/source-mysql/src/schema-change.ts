import {
  field,
  type Header,
  type Schema,
  Schemas,
  type SourceOffset,
  type SourceRecord,
  type Struct,
  struct,
} from '@outflow/relay-core';
import { type ColumnMeta, parseMembers } from './column-types.ts';
import { mysqlSourceSchema } from './source-info.ts';

/**
 * Debezium's description of tables (`io.debezium.relational.Table` / `Column`), as its schema history and
 * its schema-change records carry them, and the records themselves. Pure.
 */

/** One column, with Debezium's field names. */
export interface ColumnDefinition {
  readonly name: string;
  /** `java.sql.Types` code, as Debezium's MariaDB/MySQL DDL parser assigns it. */
  readonly jdbcType: number;
  readonly nativeType: number | null;
  /** Upper-case type name, ` UNSIGNED` appended for unsigned numbers: `INT UNSIGNED`, `VARCHAR`. */
  readonly typeName: string;
  readonly typeExpression: string;
  readonly charsetName: string | null;
  /** The first number in the type's parentheses (`varchar(50)` → 50); an ENUM/SET's longest value. */
  readonly length: number | null;
  readonly scale: number | null;
  /** 1-based. */
  readonly position: number;
  readonly optional: boolean;
  readonly autoIncremented: boolean;
  readonly generated: boolean;
  readonly comment: string | null;
  /** The default as written (`42`, `abc`, `current_timestamp()`); null for none or DEFAULT NULL. */
  readonly defaultValueExpression: string | null;
  /** ENUM/SET values, each in single quotes as written: `'a'`. */
  readonly enumValues: readonly string[] | null;
}

/** One table. */
export interface TableDefinition {
  readonly defaultCharsetName: string | null;
  readonly primaryKeyColumnNames: readonly string[];
  readonly columns: readonly ColumnDefinition[];
  readonly comment: string | null;
}

export type TableChangeType = 'CREATE' | 'ALTER' | 'DROP';

/** A table a statement created, altered or dropped (the table as it is after the statement; none for DROP). */
export interface TableChange {
  readonly type: TableChangeType;
  readonly db: string;
  readonly table: string;
  readonly definition: TableDefinition | null;
}

/** `java.sql.Types` by MariaDB/MySQL data type (information_schema's DATA_TYPE), as Debezium's DDL parser maps them. */
const JDBC_TYPES: Readonly<Record<string, number>> = {
  char: 1,
  varchar: 12,
  tinytext: 12,
  text: 12,
  mediumtext: 12,
  longtext: 12,
  tinyint: 5,
  smallint: 5,
  mediumint: 4,
  int: 4,
  integer: 4,
  bigint: -5,
  float: 6,
  double: 8,
  real: 7,
  decimal: 3,
  numeric: 2,
  bit: -7,
  time: 92,
  timestamp: 2014,
  datetime: 93,
  date: 91,
  year: 4,
  binary: -2,
  varbinary: -3,
  tinyblob: 2004,
  blob: 2004,
  mediumblob: 2004,
  longblob: 2004,
  boolean: 16,
  enum: 1,
  set: 1,
};
/** `java.sql.Types.OTHER`: JSON, spatial types, UUID, INET4/6. */
const JDBC_OTHER = 1111;

const TEMPORAL = new Set(['datetime', 'timestamp', 'time']);

/** What information_schema says about a column besides what {@link ColumnMeta} keeps. */
export interface ColumnExtras {
  readonly charsetName: string | null;
  /** information_schema's EXTRA: `auto_increment`, `VIRTUAL GENERATED`, … */
  readonly extra: string | null;
  readonly comment: string | null;
}

/** A column's definition from its information_schema description. */
export function columnDefinition(meta: ColumnMeta, position: number, extras: ColumnExtras): ColumnDefinition {
  // MariaDB's JSON is LONGTEXT with a check; the MySQL connector reads the DDL's JSON and names it so.
  const base = meta.json ? 'json' : meta.dataType.toLowerCase();
  const typeName = `${base.toUpperCase()}${meta.unsigned ? ' UNSIGNED' : ''}`;
  const args = /\(([^)]*)\)/.exec(meta.columnType)?.[1];
  const numbers = args === undefined || base === 'enum' || base === 'set' ? [] : args.split(',').map(Number);
  let length: number | null = Number.isFinite(numbers[0]) ? numbers[0]! : null;
  const scale = Number.isFinite(numbers[1]) ? numbers[1]! : null;
  let enumValues: string[] | null = null;
  if (base === 'enum' || base === 'set') {
    enumValues = meta.members.map((m) => `'${m.replace(/'/g, "''")}'`);
    const sizes = meta.members.map((m) => m.length);
    // Debezium sizes an ENUM by its longest value and a SET by all of its values joined with commas.
    length =
      base === 'enum'
        ? Math.max(0, ...sizes)
        : sizes.reduce((a, b) => a + b, 0) + Math.max(0, sizes.length - 1);
  }
  const extra = (extras.extra ?? '').toLowerCase();
  return {
    name: meta.name,
    jdbcType: JDBC_TYPES[base] ?? JDBC_OTHER,
    nativeType: null,
    typeName,
    typeExpression: typeName,
    charsetName: extras.charsetName,
    length,
    scale: base === 'decimal' || base === 'numeric' || base === 'float' || base === 'double' ? scale : null,
    position,
    optional: meta.nullable,
    autoIncremented: extra.includes('auto_increment'),
    generated: extra.includes('generated'),
    comment: extras.comment === null || extras.comment === '' ? null : extras.comment,
    defaultValueExpression: meta.defaultValue,
    enumValues,
  };
}

/**
 * The column metadata the value converters need, from a definition recovered from the schema history: the
 * inverse of {@link columnDefinition} for everything that changes how a value is decoded.
 */
export function columnMetaFromDefinition(c: ColumnDefinition, json: boolean): ColumnMeta {
  const unsigned = / UNSIGNED$/i.test(c.typeName);
  const dataType = c.typeName.replace(/ UNSIGNED$/i, '').toLowerCase();
  const members = c.enumValues === null ? [] : parseMembers(`${dataType}(${c.enumValues.join(',')})`);
  let dims = '';
  if (c.enumValues !== null) dims = `(${c.enumValues.join(',')})`;
  else if (c.length !== null) dims = c.scale === null ? `(${c.length})` : `(${c.length},${c.scale})`;
  const columnType = `${dataType}${dims}${unsigned ? ' unsigned' : ''}`;
  const defaultValue = c.defaultValueExpression;
  return {
    name: c.name,
    dataType,
    columnType,
    nullable: c.optional,
    defaultValue,
    // information_schema's unquoted defaults: a literal is a number or text, an expression is a call.
    defaultIsExpression: defaultValue !== null && /^[a-z_][a-z0-9_]*\(.*\)$/i.test(defaultValue),
    unsigned,
    precision:
      dataType === 'decimal' || dataType === 'numeric' || dataType === 'bit' ? (c.length ?? null) : null,
    scale: dataType === 'decimal' || dataType === 'numeric' ? (c.scale ?? 0) : c.scale,
    fsp: TEMPORAL.has(dataType) ? (c.length ?? 0) : 0,
    length: dataType.includes('char') ? c.length : null,
    json: json || dataType === 'json',
    members,
  };
}

/** Debezium's table id: `"db"."table"` (TableId.toDoubleQuotedString, no schema level on MySQL). */
export function tableId(db: string, table: string): string {
  return `"${db}"."${table}"`;
}

/** Splits a table id written by {@link tableId} (or by Debezium) back into database and table. */
export function parseTableId(id: string): { db: string; table: string } | null {
  const m = /^"((?:[^"]|"")*)"\."((?:[^"]|"")*)"$/.exec(id);
  if (m === null) return null;
  return { db: m[1]!.replace(/""/g, '"'), table: m[2]!.replace(/""/g, '"') };
}

// ---- Schema-change records (`include.schema.changes`) ----

const columnSchema = struct('io.debezium.connector.schema.Column', [
  field('name', Schemas.string()),
  field('jdbcType', Schemas.int32()),
  field('nativeType', Schemas.int32(true)),
  field('typeName', Schemas.string()),
  field('typeExpression', Schemas.string(true)),
  field('charsetName', Schemas.string(true)),
  field('length', Schemas.int32(true)),
  field('scale', Schemas.int32(true)),
  field('position', Schemas.int32()),
  field('optional', Schemas.boolean(true)),
  field('autoIncremented', Schemas.boolean(true)),
  field('generated', Schemas.boolean(true)),
  field('comment', Schemas.string(true)),
  field('defaultValueExpression', Schemas.string(true)),
  field('enumValues', { type: 'array', optional: true, items: Schemas.string() }),
]);

const tableSchema: Schema = {
  ...struct('io.debezium.connector.schema.Table', [
    field('defaultCharsetName', Schemas.string(true)),
    field('primaryKeyColumnNames', { type: 'array', optional: true, items: Schemas.string() }),
    field('columns', { type: 'array', optional: false, items: { ...columnSchema, version: 1 } }),
    field('comment', Schemas.string(true)),
  ]),
  optional: true,
  version: 1,
};

const changeSchema: Schema = {
  ...struct('io.debezium.connector.schema.Change', [
    field('type', Schemas.string()),
    field('id', Schemas.string()),
    field('table', tableSchema),
  ]),
  version: 1,
};

/** The key and value schemas of schema-change records (`io.debezium.connector.<connector>.SchemaChange*`). */
export function schemaChangeSchemas(connector: 'mysql' | 'mariadb'): { key: Schema; value: Schema } {
  return {
    key: {
      ...struct(`io.debezium.connector.${connector}.SchemaChangeKey`, [
        field('databaseName', Schemas.string()),
      ]),
      version: 1,
    },
    value: {
      ...struct(`io.debezium.connector.${connector}.SchemaChangeValue`, [
        field('source', mysqlSourceSchema(connector)),
        field('ts_ms', Schemas.int64()),
        field('databaseName', Schemas.string(true)),
        field('schemaName', Schemas.string(true)),
        field('ddl', Schemas.string(true)),
        field('tableChanges', { type: 'array', optional: false, items: changeSchema }),
      ]),
      version: 1,
    },
  };
}

function definitionStruct(d: TableDefinition): Struct {
  return {
    defaultCharsetName: d.defaultCharsetName,
    primaryKeyColumnNames: [...d.primaryKeyColumnNames],
    columns: d.columns.map((c) => ({
      name: c.name,
      jdbcType: c.jdbcType,
      nativeType: c.nativeType,
      typeName: c.typeName,
      typeExpression: c.typeExpression,
      charsetName: c.charsetName,
      length: c.length,
      scale: c.scale,
      position: c.position,
      optional: c.optional,
      autoIncremented: c.autoIncremented,
      generated: c.generated,
      comment: c.comment,
      defaultValueExpression: c.defaultValueExpression,
      enumValues: c.enumValues === null ? null : [...c.enumValues],
    })),
    comment: d.comment,
  };
}

/** A DDL statement and what it changed, where the binlog (or the snapshot) has it. */
export interface SchemaChange {
  /** The database the statement applies to ('' when none, e.g. `SET character_set_server=…`). */
  readonly databaseName: string;
  readonly ddl: string;
  readonly changes: readonly TableChange[];
  /** The `source` block (its `table` names the tables changed). */
  readonly source: Struct;
  /** Where a restart resumes once this record is delivered. */
  readonly sourceOffset: SourceOffset;
}

/** The schema-change record Debezium publishes to the `<topic.prefix>` topic. */
export function schemaChangeRecord(options: {
  connector: 'mysql' | 'mariadb';
  topicPrefix: string;
  change: SchemaChange;
  processedAtMs: number;
  headers: readonly Header[];
}): SourceRecord {
  const { change } = options;
  const schemas = schemaChangeSchemas(options.connector);
  return {
    sourcePartition: { server: options.topicPrefix },
    sourceOffset: change.sourceOffset,
    topic: options.topicPrefix,
    // One partition: consumers read the statements in the order they ran.
    kafkaPartition: 0,
    keySchema: schemas.key,
    key: { databaseName: change.databaseName },
    valueSchema: schemas.value,
    value: {
      source: change.source,
      ts_ms: options.processedAtMs,
      databaseName: change.databaseName,
      schemaName: null,
      ddl: change.ddl,
      tableChanges: change.changes.map((c) => ({
        type: c.type,
        id: tableId(c.db, c.table),
        table: c.definition === null ? null : definitionStruct(c.definition),
      })),
    },
    headers: options.headers,
  };
}

// ---- Schema history records (`schema.history.internal.kafka.topic`) ----

/** A record of the schema history topic, as Debezium's `HistoryRecord` is written (JSON, no key). */
export interface HistoryRecord {
  /** The source partition: `{server: <topic.prefix>}`. */
  readonly source: Readonly<Record<string, unknown>>;
  /** The offset after the statement: definitions recovered for a stored offset are those up to it. */
  readonly position: SourceOffset;
  readonly ts_ms: number;
  readonly databaseName: string;
  readonly ddl: string;
  readonly tableChanges: readonly TableChange[];
}

/** Serialises a history record in Debezium's field order and JSON shape. */
export function serializeHistoryRecord(r: HistoryRecord): Buffer {
  const doc = {
    source: r.source,
    position: r.position,
    ts_ms: r.ts_ms,
    databaseName: r.databaseName,
    ddl: r.ddl,
    tableChanges: r.tableChanges.map((c) => ({
      type: c.type,
      id: tableId(c.db, c.table),
      ...(c.definition === null ? {} : { table: definitionStruct(c.definition) }),
      comment: c.definition?.comment ?? null,
    })),
  };
  return Buffer.from(JSON.stringify(doc), 'utf8');
}

/**
 * Reads a history record, written by Outflow or by Debezium (which leaves out null fields and may add its
 * own); null for anything that is not one.
 */
export function parseHistoryRecord(raw: Buffer): HistoryRecord | null {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.position !== 'object' || doc.position === null)
    return null;
  const changes: TableChange[] = [];
  for (const c of Array.isArray(doc.tableChanges) ? (doc.tableChanges as Record<string, unknown>[]) : []) {
    const id = parseTableId(String(c.id ?? ''));
    const type = String(c.type);
    if (id === null || (type !== 'CREATE' && type !== 'ALTER' && type !== 'DROP')) continue;
    const t = c.table as Record<string, unknown> | undefined | null;
    changes.push({
      type,
      db: id.db,
      table: id.table,
      definition: type === 'DROP' || t === undefined || t === null ? null : parseDefinition(t),
    });
  }
  return {
    source: (doc.source ?? {}) as Record<string, unknown>,
    position: doc.position as SourceOffset,
    ts_ms: Number(doc.ts_ms ?? 0),
    databaseName: String(doc.databaseName ?? ''),
    ddl: String(doc.ddl ?? ''),
    tableChanges: changes,
  };
}

function parseDefinition(t: Record<string, unknown>): TableDefinition {
  const str = (v: unknown) => (v === undefined || v === null ? null : String(v));
  const num = (v: unknown) => (v === undefined || v === null ? null : Number(v));
  const columns = (Array.isArray(t.columns) ? (t.columns as Record<string, unknown>[]) : []).map(
    (c, i): ColumnDefinition => {
      const typeName = String(c.typeName ?? '');
      return {
        name: String(c.name),
        jdbcType: Number(c.jdbcType ?? JDBC_OTHER),
        nativeType: num(c.nativeType),
        typeName,
        typeExpression: str(c.typeExpression) ?? typeName,
        charsetName: str(c.charsetName),
        length: num(c.length),
        scale: num(c.scale),
        position: Number(c.position ?? i + 1),
        optional: c.optional !== false,
        autoIncremented: c.autoIncremented === true,
        generated: c.generated === true,
        comment: str(c.comment),
        defaultValueExpression: str(c.defaultValueExpression),
        enumValues: Array.isArray(c.enumValues) ? (c.enumValues as unknown[]).map(String) : null,
      };
    },
  );
  return {
    defaultCharsetName: str(t.defaultCharsetName),
    primaryKeyColumnNames: Array.isArray(t.primaryKeyColumnNames)
      ? (t.primaryKeyColumnNames as unknown[]).map(String)
      : [],
    columns,
    comment: str(t.comment),
  };
}

/**
 * Orders binlog positions: by the binlog file's sequence number, then the position in it. Negative when `a`
 * comes first.
 */
export function compareBinlogPositions(
  a: { readonly file: string; readonly pos: number },
  b: { readonly file: string; readonly pos: number },
): number {
  const seq = (file: string) => Number(/\.(\d+)$/.exec(file)?.[1] ?? Number.NaN);
  const sa = seq(a.file);
  const sb = seq(b.file);
  if (Number.isFinite(sa) && Number.isFinite(sb) && sa !== sb) return sa - sb;
  if (!Number.isFinite(sa) || !Number.isFinite(sb)) {
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  }
  return a.pos - b.pos;
}
