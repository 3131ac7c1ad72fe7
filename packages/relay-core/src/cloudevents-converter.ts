import type { ConfigKey } from './config-def.ts';
import type { Converter } from './contracts.ts';
import { RelayError } from './errors.ts';
import { createJsonConverter, type JsonConverterOptions } from './json-converter.ts';
import type { Field, Schema } from './schema.ts';

/** Debezium's class name. */
export const CLOUDEVENTS_CONVERTER = 'io.debezium.converters.CloudEventsConverter';

const DEFAULT_METADATA_SOURCE = 'value,id:generate,type:generate,dataSchemaName:generate';

function notSupported(what: string): (value: unknown) => string | undefined {
  return (value) =>
    String(value).toLowerCase() === 'avro'
      ? `${what} is not supported by Outflow yet (only json)`
      : undefined;
}

/**
 * Checks `metadata.source`: Debezium's syntax, and the one source Outflow reads metadata from, the change
 * event itself (`value`, ids and types generated). `header` needs the metadata copied into headers by
 * Kafka Connect's `HeaderFrom` transform, which Outflow does not have.
 */
export function checkMetadataSource(value: unknown): string | undefined {
  const parts = String(value)
    .split(',')
    .map((p) => p.trim().toLowerCase());
  const [global, ...pairs] = parts;
  if (global !== 'value' && global !== 'header')
    return `must start with 'value' or 'header', got '${global}'`;
  for (const pair of pairs) {
    const [field, source, ...rest] = pair.split(':');
    if (rest.length > 0 || !['id', 'type', 'dataschemaname'].includes(field ?? '')) {
      return `expects 'value' or 'header' followed by id:<source>, type:<source> or dataSchemaName:<source>, got '${pair}'`;
    }
    if (source !== 'generate' && source !== 'header')
      return `'${field}' must come from 'generate' or 'header', got '${source}'`;
  }
  if (global === 'header' || pairs.some((p) => p.endsWith(':header')))
    return 'reading metadata from headers is not supported by Outflow yet (it needs the HeaderFrom transform); use the default';
  return undefined;
}

/**
 * The options of Debezium's `CloudEventsConverter` (`CloudEventsConverterConfig`), without the
 * `<side>.converter.` prefix. Options Outflow does not implement accept only their default.
 */
export const CLOUDEVENTS_CONVERTER_KEYS: readonly ConfigKey[] = [
  {
    name: 'serializer.type',
    type: 'string',
    default: 'json',
    oneOf: ['json', 'avro'],
    validate: notSupported('An Avro envelope'),
    description: 'CloudEventsConverter: encoding of the CloudEvents envelope (structured mode).',
  },
  {
    name: 'data.serializer.type',
    type: 'string',
    default: 'json',
    oneOf: ['json', 'avro'],
    validate: notSupported('Avro data'),
    description: 'CloudEventsConverter: encoding of the `data` attribute.',
  },
  {
    name: 'json.schemas.enable',
    type: 'boolean',
    default: true,
    description:
      'CloudEventsConverter: write `data` as `{"schema":…,"payload":…}` (Debezium’s default) or as the bare change; the envelope never has a schema.',
  },
  {
    name: 'json.decimal.format',
    type: 'string',
    default: 'BASE64',
    oneOf: ['BASE64', 'NUMERIC'],
    description: 'CloudEventsConverter: how decimals in `data` are written.',
  },
  {
    name: 'json.replace.null.with.default',
    type: 'boolean',
    default: true,
    description:
      'CloudEventsConverter: write a null field of `data` that has a schema default as that default.',
  },
  {
    name: 'extension.attributes.enable',
    type: 'boolean',
    default: true,
    description:
      'CloudEventsConverter: add the `iodebezium*` extension attributes (the operation, every `source` field, the transaction fields).',
  },
  {
    name: 'metadata.source',
    type: 'string',
    default: DEFAULT_METADATA_SOURCE,
    validate: checkMetadataSource,
    description:
      'CloudEventsConverter: where the source, operation and transaction metadata and the `id`/`type` come from. Outflow reads them from the change event (`value`) and generates `id` and `type`.',
  },
  {
    name: 'schema.name.adjustment.mode',
    type: 'string',
    default: 'avro',
    oneOf: ['none', 'avro', 'avro_unicode'],
    description: 'CloudEventsConverter: adjusts schema names for Avro; no effect with JSON.',
  },
  {
    name: 'schema.cloudevents.name',
    type: 'string',
    default: null,
    description: 'CloudEventsConverter: the envelope’s schema name in a schema registry; ignored with JSON.',
  },
  {
    name: 'schema.data.name.source.header.enable',
    type: 'boolean',
    default: false,
    validate: (value) =>
      value === true ? 'is not supported by Outflow yet (it needs header metadata)' : undefined,
    description: 'CloudEventsConverter: read the `data` schema name from a header. Not supported by Outflow.',
  },
];

/** The converter's options once parsed (the values of {@link CLOUDEVENTS_CONVERTER_KEYS}). */
export interface CloudEventsConverterOptions {
  readonly dataSchemasEnable: boolean;
  readonly extensionAttributes: boolean;
  readonly decimalFormat?: JsonConverterOptions['decimalFormat'];
  readonly replaceNullWithDefault?: boolean;
}

/** Per connector type (`source.connector`): the `id` Debezium generates and the envelope fields in `data`. */
const CONNECTORS: Readonly<
  Record<string, { id: (source: Record<string, unknown>) => string; dataFields: readonly string[] | null }>
> = {
  mysql: { id: (s) => `name:${s.name};file:${s.file};pos:${s.pos}`, dataFields: ['before', 'after'] },
  // Debezium's MariaDbCloudEventsMaker names no data fields, so `data` is the whole change event.
  mariadb: { id: (s) => `name:${s.name};file:${s.file};pos:${s.pos}`, dataFields: null },
  postgresql: {
    id: (s) => `name:${s.name};lsn:${s.lsn};txId:${s.txId};sequence:${s.sequence}`,
    dataFields: ['before', 'after'],
  },
};

/** Debezium's `TransactionMonitor.TRANSACTION_BLOCK_SCHEMA` fields, extension attributes even when absent. */
const TRANSACTION_FIELDS: readonly Field[] = [
  { name: 'id', schema: { type: 'string', optional: false } },
  { name: 'total_order', schema: { type: 'int64', optional: false } },
  { name: 'data_collection_order', schema: { type: 'int64', optional: false } },
];

const STRING: Schema = { type: 'string', optional: false };
const EMPTY_STRUCT: Schema = { type: 'struct', optional: false, fields: [] };

/** `iodebezium` + the name without the characters CloudEvents attribute names cannot have. */
export function extensionName(field: string): string {
  return `iodebezium${field.replace(/[^A-Za-z0-9]/g, '')}`;
}

/** A source field's schema as an extension attribute: int64 becomes a string, up to int32 stays a number. */
function extensionSchema(schema: Schema, optional: boolean): Schema {
  const opt = optional || schema.optional;
  switch (schema.type) {
    case 'boolean':
      return { type: 'boolean', optional: opt };
    case 'int8':
    case 'int16':
    case 'int32':
      return { type: 'int32', optional: opt };
    case 'string':
    case 'int64':
      return { type: 'string', optional: opt };
    default:
      throw new RelayError(
        'TRANSFORM_FAILED',
        `CloudEventsConverter: a source field of type ${schema.type} cannot be a CloudEvents extension attribute`,
      );
  }
}

function extensionValue(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return schema.type === 'int64' ? String(value) : value;
}

/** `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in UTC, as Java's SimpleDateFormat writes it: RFC 3339 with `Z`. */
function ceTime(tsMs: unknown): string {
  const ms = typeof tsMs === 'bigint' ? Number(tsMs) : Number(tsMs);
  return new Date(ms).toISOString();
}

/**
 * Debezium's `io.debezium.converters.CloudEventsConverter` with JSON envelope and JSON data (structured
 * content mode, the only one Debezium has), byte for byte: the envelope `id`, `source`
 * (`/debezium/<connector>/<topic.prefix>`), `specversion` 1.0, `type` (`io.debezium.connector.<connector>
 * .DataChangeEvent`), `time` (the source commit time), `datacontenttype` `application/json`, then the
 * `iodebezium*` extension attributes (operation, each `source` field, the transaction's `id`, `total_order`,
 * `data_collection_order`; int64 as strings), then `data`: the change (`before`/`after` for MySQL and
 * PostgreSQL, the whole event for MariaDB) as a struct named `io.debezium.connector.<connector>.Data`, with
 * its schema when `json.schemas.enable` (the default).
 *
 * A value that is not a Debezium change event (a heartbeat, a schema change, an Outbox Event Router output)
 * becomes null, as Debezium's converter returns with metadata read from the value.
 */
export function createCloudEventsConverter(options: CloudEventsConverterOptions): Converter {
  const json = {
    decimalFormat: options.decimalFormat ?? 'BASE64',
    replaceNullWithDefault: options.replaceNullWithDefault ?? true,
  } as const;
  const envelopeWriter = createJsonConverter({ ...json, schemasEnable: false });
  const dataWriter = createJsonConverter({ ...json, schemasEnable: options.dataSchemasEnable });
  return {
    fromConnectData(topic, schema, value) {
      if (schema === null || value === null || value === undefined) return null;
      if (schema.type !== 'struct' || !schema.name?.endsWith('.Envelope')) return null;
      const record = value as Record<string, unknown>;
      const sourceField = schema.fields?.find((f) => f.name === 'source');
      const source = record.source as Record<string, unknown> | null;
      if (sourceField === undefined || source === null || typeof source !== 'object')
        throw new RelayError(
          'TRANSFORM_FAILED',
          `CloudEventsConverter: the change event has no source block (topic ${topic})`,
        );
      const connector = String(source.connector);
      const kind = CONNECTORS[connector];
      if (kind === undefined)
        throw new RelayError(
          'TRANSFORM_FAILED',
          `CloudEventsConverter: no usable CloudEvents converter for connector type "${connector}"`,
        );

      const dataFieldNames = kind.dataFields ?? (schema.fields ?? []).map((f) => f.name);
      const dataSchema: Schema = {
        type: 'struct',
        optional: false,
        name: `io.debezium.connector.${connector}.Data`,
        fields: dataFieldNames.map((name) => {
          const field = schema.fields?.find((f) => f.name === name);
          if (field === undefined)
            throw new RelayError(
              'TRANSFORM_FAILED',
              `CloudEventsConverter: the change event has no '${name}' field`,
            );
          return field;
        }),
      };
      const data = Object.fromEntries(dataFieldNames.map((name) => [name, record[name] ?? null]));

      const fields: Field[] = [
        { name: 'id', schema: STRING },
        { name: 'source', schema: STRING },
        { name: 'specversion', schema: STRING },
        { name: 'type', schema: STRING },
        { name: 'time', schema: STRING },
        { name: 'datacontenttype', schema: STRING },
      ];
      const envelope: Record<string, unknown> = {
        id: kind.id(source),
        source: `/debezium/${connector}/${String(source.name)}`,
        specversion: '1.0',
        type: `io.debezium.connector.${connector}.DataChangeEvent`,
        time: ceTime(source.ts_ms),
        datacontenttype: 'application/json',
      };
      if (options.extensionAttributes) {
        fields.push({ name: 'iodebeziumop', schema: STRING });
        envelope.iodebeziumop = record.op;
        for (const f of sourceField.schema.fields ?? []) {
          const name = extensionName(f.name);
          fields.push({ name, schema: extensionSchema(f.schema, false) });
          envelope[name] = extensionValue(f.schema, source[f.name]);
        }
        const transaction = (record.transaction ?? null) as Record<string, unknown> | null;
        for (const f of TRANSACTION_FIELDS) {
          const name = extensionName(`tx${f.name}`);
          fields.push({ name, schema: extensionSchema(f.schema, true) });
          envelope[name] = transaction === null ? null : extensionValue(f.schema, transaction[f.name]);
        }
      }
      const name = `${String(source.name)}.${String(source.db)}.CloudEvents.Envelope`;
      if (!options.dataSchemasEnable) {
        const full: Schema = {
          type: 'struct',
          optional: false,
          name,
          fields: [...fields, { name: 'data', schema: dataSchema }],
        };
        return envelopeWriter.fromConnectData(topic, full, { ...envelope, data });
      }
      // As Debezium does: the envelope with an empty `data` object, whose `{}}` ending is replaced by the
      // data written with its schema, so the envelope itself stays schemaless.
      const withEmptyData: Schema = {
        type: 'struct',
        optional: false,
        name,
        fields: [...fields, { name: 'data', schema: EMPTY_STRUCT }],
      };
      const head = envelopeWriter.fromConnectData(topic, withEmptyData, { ...envelope, data: {} });
      const body = dataWriter.fromConnectData(topic, dataSchema, data);
      if (head === null || body === null) return null;
      return Buffer.concat([head.subarray(0, head.length - 3), body, Buffer.from('}')]);
    },
  };
}
