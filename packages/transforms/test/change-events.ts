import type { Logger, Schema, SourceRecord, Struct, Transform } from '@outflow/relay-core';
import { recordingLogger } from '@outflow/testing';
import { eventRouterPlugin } from '../src/index.ts';

/** Test fixtures: Debezium change events of an outbox table, built by hand as a MySQL connector emits them. */

const str = (optional = false): Schema => ({ type: 'string', optional });

/** The seed's outbox table (`dbserver1.course.outbox`), column schemas as in its real Debezium message. */
export const seedColumns: readonly { name: string; schema: Schema }[] = [
  { name: 'id', schema: str() },
  { name: 'aggregate_type', schema: str() },
  { name: 'aggregate_id', schema: str() },
  { name: 'type', schema: str() },
  { name: 'payload', schema: { type: 'string', optional: false, name: 'io.debezium.data.Json', version: 1 } },
  {
    name: 'timestamp',
    schema: {
      type: 'string',
      optional: false,
      name: 'io.debezium.time.ZonedTimestamp',
      version: 1,
      default: '1970-01-01T00:00:00Z',
    },
  },
];

/** The seed's payload text, exactly as its outbox row held it. */
export const seedPayload =
  '{"name":"MSA 파헤치기","posted":true,"courseId":"bc32dd3f-2334-43d9-9493-71b538510efe","teacherId":"7ead2ed1-77fa-4d70-bdfd-77e67c513bbd","thumbnail":"msa_course.jpeg","description":"MSA의 모든 것을 가르쳐 드립니다.","registeredAt":1676458941000,"lastUpdatedAt":1676598812000}';

/** The seed's outbox row. */
export const seedRow: Struct = {
  id: '33319dbb-358c-4f06-8e60-c82b81eab769',
  aggregate_type: 'Course',
  aggregate_id: 'bc32dd3f-2334-43d9-9493-71b538510efe',
  type: 'CoursePostedEvent',
  payload: seedPayload,
  timestamp: '2023-02-17T01:53:42Z',
};

/** Debezium's default outbox table columns (`id, aggregatetype, aggregateid, type, payload`). */
export const defaultColumns: readonly { name: string; schema: Schema }[] = [
  { name: 'id', schema: str() },
  { name: 'aggregatetype', schema: str() },
  { name: 'aggregateid', schema: str() },
  { name: 'type', schema: str() },
  { name: 'payload', schema: str(true) },
];

/** A row of the default outbox table. */
export function defaultRow(overrides: Struct = {}): Struct {
  return {
    id: 'e-1',
    aggregatetype: 'Order',
    aggregateid: '42',
    type: 'OrderCreated',
    payload: '{"id":42}',
    ...overrides,
  };
}

/** A copy of `row` without `column`. */
export function withoutColumn(row: Struct, column: string): Struct {
  return Object.fromEntries(Object.entries(row).filter(([name]) => name !== column));
}

export interface ChangeEventOptions {
  readonly op: string;
  readonly after?: Struct | null;
  readonly before?: Struct | null;
  readonly columns?: readonly { name: string; schema: Schema }[];
  readonly table?: string;
  readonly tsMs?: number | null;
  readonly headers?: SourceRecord['headers'];
}

/** A Debezium change event of `<table>` (default `dbserver1.course.outbox`) as a SourceRecord. */
export function changeEvent(options: ChangeEventOptions): SourceRecord {
  const table = options.table ?? 'dbserver1.course.outbox';
  const columns = options.columns ?? seedColumns;
  const rowSchema: Schema = { type: 'struct', optional: true, name: `${table}.Value`, fields: columns };
  const envelope: Schema = {
    type: 'struct',
    optional: false,
    name: `${table}.Envelope`,
    fields: [
      { name: 'before', schema: rowSchema },
      { name: 'after', schema: rowSchema },
      {
        name: 'source',
        schema: {
          type: 'struct',
          optional: false,
          name: 'io.debezium.connector.mysql.Source',
          fields: [{ name: 'connector', schema: str() }],
        },
      },
      { name: 'op', schema: str() },
      { name: 'ts_ms', schema: { type: 'int64', optional: true } },
      { name: 'transaction', schema: { type: 'struct', optional: true, fields: [] } },
    ],
  };
  const idColumn = columns[0]?.name ?? 'id';
  const row = options.after ?? options.before ?? null;
  return {
    sourcePartition: { server: 'dbserver1' },
    sourceOffset: { file: 'binlog.000015', pos: 13396 },
    topic: table,
    keySchema: {
      type: 'struct',
      optional: false,
      name: `${table}.Key`,
      fields: [{ name: idColumn, schema: str() }],
    },
    key: { [idColumn]: row?.[idColumn] ?? null },
    valueSchema: envelope,
    value: {
      before: options.before ?? null,
      after: options.after ?? null,
      source: { connector: 'mysql' },
      op: options.op,
      ts_ms: options.tsMs === undefined ? 1676598823103 : options.tsMs,
      transaction: null,
    },
    headers: options.headers ?? [],
  };
}

/** The tombstone Debezium writes after a delete: same key, null value. */
export function tombstone(of: SourceRecord): SourceRecord {
  return { ...of, valueSchema: null, value: null };
}

/** An EventRouter built from string properties, as the worker builds it. */
export function router(props: Record<string, string> = {}, logger: Logger = recordingLogger()): Transform {
  const parsed = eventRouterPlugin.configDef.parse(props);
  return eventRouterPlugin.create(parsed.values, logger);
}

/** The seed's options: its JPA column names mapped onto the router's. */
export const seedProps: Record<string, string> = {
  'route.by.field': 'aggregate_type',
  'table.field.event.key': 'aggregate_id',
};
