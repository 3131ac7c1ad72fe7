import type { Header, SourceOffset, SourcePartition, SourceRecord } from './record.ts';
import { type Field, field, type Schema, Schemas, type Struct, struct } from './schema.ts';

/**
 * Debezium change events, the same for every source (REFERENCE §1): topic `<prefix>.<db>.<table>`, a key
 * struct of the primary key columns, and a value envelope `{before, after, source, transaction, op, ts_ms,
 * ts_us, ts_ns}`. Pure: sources hand in column schemas, row values and their own `source` block.
 *
 * Schema shapes follow Debezium 3.x (`Envelope.SCHEMA_VERSION` 2, `SchemaFactory`): the envelope is version 2,
 * the source block version 1, and `transaction` is the optional struct `event.block` (version 1) right after
 * `source`.
 */

/** Operation of a change event: create, update, delete, snapshot read (truncate is not emitted). */
export type ChangeOp = 'c' | 'u' | 'd' | 'r';

/** One column of a captured table as a Connect field. Its schema carries semantic names and defaults. */
export interface ColumnField {
  readonly name: string;
  readonly schema: Schema;
}

/** Where a change lives and what its row looks like; built once per table version and reused. */
export interface TableEnvelopeSchemas {
  /** Record topic, e.g. `dbserver1.course.outbox`. */
  readonly topic: string;
  /** Key struct `<topic>.Key`, or null for a table without a primary key. */
  readonly keySchema: Schema | null;
  /** Row struct `<topic>.Value` (optional: it is the type of `before` and of `after`). */
  readonly rowSchema: Schema;
  /** Envelope struct `<topic>.Envelope`. */
  readonly envelopeSchema: Schema;
  /** Names of the key columns, in key order. */
  readonly keyColumns: readonly string[];
}

/** What identifies a table and describes its columns. */
export interface TableDescription {
  /** `topic.prefix` (Debezium's logical server name). */
  readonly topicPrefix: string;
  /** Database (MySQL) or schema (PostgreSQL) name: the middle part of the topic. */
  readonly namespace: string;
  readonly table: string;
  /** All columns in table order. */
  readonly columns: readonly ColumnField[];
  /** Primary key column names, in key order; empty for none. */
  readonly keyColumns: readonly string[];
  /** The connector's `source` block schema (e.g. `io.debezium.connector.mysql.Source`). */
  readonly sourceSchema: Schema;
}

/** Version of the envelope schema (Debezium 3's `Envelope.SCHEMA_VERSION`). */
export const ENVELOPE_SCHEMA_VERSION = 2;

/** Version of every source block schema (Debezium's `SOURCE_INFO_DEFAULT_SCHEMA_VERSION`). */
export const SOURCE_SCHEMA_VERSION = 1;

/** Schema of the envelope's `transaction` block (always null unless transaction metadata is provided). */
export const transactionBlockSchema: Schema = {
  ...struct(
    'event.block',
    [
      field('id', Schemas.string()),
      field('total_order', Schemas.int64()),
      field('data_collection_order', Schemas.int64()),
    ],
    true,
  ),
  version: 1,
};

/**
 * The `snapshot` field of every source block: an optional `io.debezium.data.Enum` defaulting to "false",
 * with Debezium 2.x+'s values.
 */
export const snapshotFieldSchema: Schema = {
  type: 'string',
  optional: true,
  name: 'io.debezium.data.Enum',
  version: 1,
  parameters: {
    allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental',
  },
  default: 'false',
};

/**
 * A connector's `source` block schema: the common fields, then the connector's own, named `name` and
 * carrying the source schema version.
 */
export function sourceBlockSchema(name: string, connectorFields: readonly Field[]): Schema {
  return { ...struct(name, [...commonSourceFields(), ...connectorFields]), version: SOURCE_SCHEMA_VERSION };
}

/** The fields every Debezium source block starts with (Debezium 2.x+ order), before connector-specific ones. */
export function commonSourceFields(): Field[] {
  return [
    field('version', Schemas.string()),
    field('connector', Schemas.string()),
    field('name', Schemas.string()),
    field('ts_ms', Schemas.int64()),
    field('snapshot', snapshotFieldSchema),
    field('db', Schemas.string()),
    field('sequence', Schemas.string(true)),
    field('ts_us', Schemas.int64(true)),
    field('ts_ns', Schemas.int64(true)),
  ];
}

/** Builds the key, row and envelope schemas of a table. */
export function buildTableSchemas(table: TableDescription): TableEnvelopeSchemas {
  const topic = `${table.topicPrefix}.${table.namespace}.${table.table}`;
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  let keySchema: Schema | null = null;
  if (table.keyColumns.length > 0) {
    const keyFields = table.keyColumns.map((name) => {
      const column = byName.get(name);
      if (column === undefined) throw new Error(`key column ${name} is not a column of ${topic}`);
      return field(name, column.schema);
    });
    keySchema = struct(`${topic}.Key`, keyFields);
  }
  const rowSchema = struct(
    `${topic}.Value`,
    table.columns.map((c) => field(c.name, c.schema)),
    true,
  );
  const envelopeSchema: Schema = {
    ...struct(`${topic}.Envelope`, [
      field('before', rowSchema),
      field('after', rowSchema),
      field('source', table.sourceSchema),
      field('transaction', transactionBlockSchema),
      field('op', Schemas.string()),
      field('ts_ms', Schemas.int64(true)),
      field('ts_us', Schemas.int64(true)),
      field('ts_ns', Schemas.int64(true)),
    ]),
    version: ENVELOPE_SCHEMA_VERSION,
  };
  return { topic, keySchema, rowSchema, envelopeSchema, keyColumns: [...table.keyColumns] };
}

/** One change to turn into a record. Rows are column name → Connect value, in any key order. */
export interface ChangeEvent {
  readonly op: ChangeOp;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
  /** The source block value, matching the table's `sourceSchema`. */
  readonly source: Struct;
  /** When the connector processed the change, in epoch microseconds (gives ts_ms, ts_us, and ts_ns as a bigint). */
  readonly processedAtUs: number;
  readonly sourcePartition: SourcePartition;
  readonly sourceOffset: SourceOffset;
  /** The task run's context headers (`contextHeaders`); none when absent. */
  readonly headers?: readonly Header[];
}

/** Builds the Debezium change record of one row change. */
export function buildChangeRecord(schemas: TableEnvelopeSchemas, event: ChangeEvent): SourceRecord {
  const before = event.before === null ? null : orderRow(schemas.rowSchema, event.before);
  const after = event.after === null ? null : orderRow(schemas.rowSchema, event.after);
  const keyRow = event.op === 'd' ? event.before : (event.after ?? event.before);
  let key: Struct | null = null;
  if (schemas.keySchema !== null && keyRow !== null) {
    key = {};
    for (const name of schemas.keyColumns) key[name] = keyRow[name] ?? null;
  }
  const tsMs = Math.floor(event.processedAtUs / 1000);
  const value: Struct = {
    before,
    after,
    source: event.source,
    transaction: null,
    op: event.op,
    ts_ms: tsMs,
    ts_us: event.processedAtUs,
    ts_ns: BigInt(event.processedAtUs) * 1000n,
  };
  return {
    sourcePartition: event.sourcePartition,
    sourceOffset: event.sourceOffset,
    topic: schemas.topic,
    keySchema: schemas.keySchema,
    key,
    valueSchema: schemas.envelopeSchema,
    value,
    headers: event.headers ?? [],
  };
}

/**
 * The tombstone that follows a delete (`tombstones.on.delete=true`): same key and headers, null value and
 * schema.
 */
export function tombstoneFor(record: SourceRecord): SourceRecord {
  return { ...record, valueSchema: null, value: null };
}

/** Current time in epoch microseconds (performance clock anchored to the wall clock). */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

function orderRow(rowSchema: Schema, row: Readonly<Record<string, unknown>>): Struct {
  const out: Struct = {};
  for (const f of rowSchema.fields ?? []) out[f.name] = row[f.name] ?? null;
  return out;
}
