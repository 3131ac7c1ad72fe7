import {
  fieldSchema,
  type Header,
  type Logger,
  RelayError,
  type Schema,
  type SourceRecord,
  type Struct,
  type Transform,
} from '@outflow/relay-core';
import type { EventRouterConfig } from './event-router-config.ts';
import { expandJsonPayload } from './json-payload.ts';
import { traceOutboxRow } from './tracing.ts';

/**
 * Debezium's Outbox Event Router (`io.debezium.transforms.outbox.EventRouter`): turns the change events of
 * an outbox table into the events themselves.
 *
 * Per input record: a tombstone is dropped; a record whose value schema is not a Debezium envelope
 * (`….Envelope`: heartbeats, schema changes) passes unchanged; `op=d` is dropped (insert-then-delete in one
 * transaction is the usual way to keep the table empty); `op=u` is dropped with a warning or an error log, or
 * fails the connector, per `table.op.invalid.behavior`; `op=c` and `op=r` rows are routed:
 * - topic: `route.topic.regex` applied to the `route.by.field` column (a value it does not match is the topic);
 * - key: the `table.field.event.key` column, with its schema;
 * - value: the payload column (expanded from JSON on request), or a struct `{payload, <envelope fields>}`
 *   when an `envelope` placement exists;
 * - headers: the input's, then `id` (the `table.field.event.id` column), then the `header` placements;
 * - partition: a `partition` placement; timestamp: `table.field.event.timestamp` or the envelope's `ts_ms`.
 * A row lacking a column the options name fails with a RelayError (`TRANSFORM_FAILED`) naming both.
 */
export class EventRouter implements Transform {
  readonly #config: EventRouterConfig;
  readonly #logger: Logger;
  readonly #hasEnvelopeFields: boolean;

  constructor(config: EventRouterConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#hasEnvelopeFields = config.additionalFields.some((f) => f.placement === 'envelope');
  }

  /** Debezium's router ignores deletes: the outbox row's insert is the event. */
  readonly dropsDeletes = true;

  apply(record: SourceRecord): SourceRecord | null {
    if (record.value === null) {
      this.#logger.debug({ key: record.key, topic: record.topic }, 'outbox: tombstone ignored');
      return null;
    }
    const envelopeSchema = record.valueSchema;
    if (envelopeSchema?.name === undefined || !envelopeSchema.name.endsWith('.Envelope')) return record;
    const envelope = record.value as Struct;
    const op = envelope.op;
    if (op === 'd') {
      this.#logger.debug({ key: record.key, topic: record.topic }, 'outbox: delete ignored');
      return null;
    }
    if (op === 'u') {
      this.#unexpectedUpdate(record);
      return null;
    }
    const row = envelope.after;
    const rowSchema = fieldSchema(envelopeSchema, 'after');
    if (row === null || typeof row !== 'object' || rowSchema === undefined) {
      throw this.#failure(
        record,
        `the change event (op '${String(op)}') has no 'after' row to read an outbox event from`,
      );
    }
    return this.#route(record, envelope, row as Struct, rowSchema);
  }

  #route(record: SourceRecord, envelope: Struct, row: Struct, rowSchema: Schema): SourceRecord {
    const c = this.#config;
    let payloadSchema = this.#column(record, rowSchema, c.fieldPayload, 'table.field.event.payload');
    let payload = row[c.fieldPayload] ?? null;
    const timestamp = this.#timestamp(record, envelope, row, rowSchema);
    const idSchema = this.#column(record, rowSchema, c.fieldEventId, 'table.field.event.id');
    // Debezium adds the trace headers to the change event before routing it, so they precede `id`.
    const headers: Header[] = [
      ...record.headers,
      ...traceOutboxRow(c.tracing, envelope, row),
      { key: 'id', value: headerValue(row[c.fieldEventId], idSchema) },
    ];

    if (c.expandJsonPayload) {
      if (typeof payload !== 'string') {
        this.#logger.warn(
          { key: record.key },
          'outbox: expand JSON payload is on but the payload is not a string',
        );
      } else {
        const expanded = expandJsonPayload(payload, c.fieldPayload, c.jsonPayloadNullBehavior);
        if (expanded.ok) {
          payloadSchema = expanded.schema;
          payload = expanded.value;
        } else {
          this.#logger.warn({ key: record.key, reason: expanded.reason }, 'outbox: JSON expansion failed');
        }
      }
    }

    const routeSchema = this.#column(record, rowSchema, c.routeByField, 'route.by.field');
    const routeValue = row[c.routeByField];
    if (routeSchema.type !== 'string' || typeof routeValue !== 'string') {
      throw this.#failure(
        record,
        routeSchema.type !== 'string'
          ? `column '${c.routeByField}' (route.by.field) must be a string column, it is ${routeSchema.type}`
          : `column '${c.routeByField}' (route.by.field) is null, so the event cannot be routed`,
      );
    }

    const envelopeFields: { name: string; schema: Schema }[] = [{ name: 'payload', schema: payloadSchema }];
    const envelopeValue: Struct = { payload };
    let partition: number | undefined;
    for (const f of c.additionalFields) {
      const schema = fieldSchema(rowSchema, f.column);
      if (schema === undefined) {
        if (!c.additionalFieldsErrorOnMissing) continue;
        throw this.#failure(
          record,
          `column '${f.column}' named in table.fields.additional.placement is missing from the outbox row; add it or set table.fields.additional.error.on.missing=false`,
        );
      }
      const value = row[f.column] ?? null;
      if (f.placement === 'envelope') {
        envelopeFields.push({ name: f.alias, schema });
        envelopeValue[f.alias] = value;
      } else if (f.placement === 'header') {
        headers.push({ key: f.alias, value: headerValue(value, schema) });
      } else {
        if (schema.type !== 'int32')
          throw this.#failure(record, `partition column '${f.column}' must be int32, it is ${schema.type}`);
        partition = value === null ? undefined : Number(value);
      }
    }

    const key = this.#column(record, rowSchema, c.fieldEventKey, 'table.field.event.key');
    const emptyPayload = payload === null || (typeof payload === 'string' && isJavaBlank(payload));
    let valueSchema: Schema | null;
    let value: unknown;
    if (emptyPayload && c.routeTombstoneOnEmptyPayload) {
      valueSchema = null;
      value = null;
    } else if (!this.#hasEnvelopeFields) {
      valueSchema = payloadSchema;
      value = payload;
    } else {
      valueSchema = this.#envelopeSchema(record, rowSchema, row, routeValue, envelopeFields);
      value = envelopeValue;
    }

    const routed: SourceRecord = {
      sourcePartition: record.sourcePartition,
      sourceOffset: record.sourceOffset,
      topic: c.router.route(routeValue),
      keySchema: key,
      key: row[c.fieldEventKey] ?? null,
      valueSchema,
      value,
      headers,
    };
    return {
      ...routed,
      ...(partition === undefined ? {} : { kafkaPartition: partition }),
      ...(timestamp === undefined ? {} : { timestamp }),
    };
  }

  /** The value struct's schema: named `<prefix>.<db>.<table>.<routed value>.Value`, versioned on request. */
  #envelopeSchema(
    record: SourceRecord,
    rowSchema: Schema,
    row: Struct,
    routeValue: string,
    fields: { name: string; schema: Schema }[],
  ): Schema {
    const original = rowSchema.name;
    let name: string;
    if (original === undefined) name = routeValue;
    else {
      const dot = original.lastIndexOf('.');
      name =
        dot === -1
          ? `${routeValue}.${original}`
          : `${original.slice(0, dot + 1)}${routeValue}.${original.slice(dot + 1)}`;
    }
    const versionColumn = this.#config.fieldSchemaVersion;
    if (versionColumn === null) return { type: 'struct', optional: false, name, fields };
    const versionSchema = this.#column(record, rowSchema, versionColumn, 'table.field.event.schema.version');
    if (versionSchema.type !== 'int32')
      throw this.#failure(
        record,
        `column '${versionColumn}' (table.field.event.schema.version) must be int32, it is ${versionSchema.type}`,
      );
    const version = row[versionColumn];
    return version === null || version === undefined
      ? { type: 'struct', optional: false, name, fields }
      : { type: 'struct', optional: false, name, version: Number(version), fields };
  }

  /** Record timestamp: the configured column (logical timestamp types only) or the envelope's `ts_ms`. */
  #timestamp(record: SourceRecord, envelope: Struct, row: Struct, rowSchema: Schema): number | undefined {
    const column = this.#config.fieldEventTimestamp;
    const processed = toMillis(envelope.ts_ms, 1);
    if (column === null) return processed;
    const schema = this.#column(record, rowSchema, column, 'table.field.event.timestamp');
    const value = row[column];
    if (value === null || value === undefined) return processed;
    const where = `column '${column}' (table.field.event.timestamp)`;
    switch (schema.name) {
      case 'io.debezium.time.Timestamp':
        return toMillis(value, 1);
      case 'io.debezium.time.MicroTimestamp':
        return toMillis(value, 1_000);
      case 'io.debezium.time.NanoTimestamp':
        return toMillis(value, 1_000_000);
      case 'io.debezium.time.ZonedTimestamp': {
        const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
        if (Number.isNaN(ms))
          throw this.#failure(record, `${where} holds '${String(value)}', not an ISO-8601 timestamp`);
        return ms;
      }
      case undefined:
        throw this.#failure(record, `${where} has type ${schema.type} without a logical timestamp type`);
      default:
        throw this.#failure(
          record,
          `${where} has the unsupported type ${schema.name} for an event timestamp`,
        );
    }
  }

  /** The schema of a column the options name, or a failure naming the column and the option. */
  #column(record: SourceRecord, rowSchema: Schema, column: string, option: string): Schema {
    const schema = fieldSchema(rowSchema, column);
    if (schema !== undefined) return schema;
    throw this.#failure(
      record,
      `the outbox row has no column '${column}'; set ${option} to the column that holds it (columns: ${(rowSchema.fields ?? []).map((f) => f.name).join(', ')})`,
    );
  }

  #unexpectedUpdate(record: SourceRecord): void {
    const details = { key: record.key, topic: record.topic };
    switch (this.#config.invalidOperationBehavior) {
      case 'warn':
        this.#logger.warn(details, 'outbox: unexpected update of an outbox row ignored');
        return;
      case 'error':
        this.#logger.error(details, 'outbox: unexpected update of an outbox row ignored');
        return;
      case 'fatal':
        throw this.#failure(
          record,
          'unexpected update of an outbox row (table.op.invalid.behavior=fatal); outbox rows must only be inserted',
        );
    }
  }

  #failure(record: SourceRecord, message: string): RelayError {
    return new RelayError('TRANSFORM_FAILED', `EventRouter: ${message}`, {
      details: {
        transform: 'io.debezium.transforms.outbox.EventRouter',
        topic: record.topic,
        key: record.key,
      },
    });
  }
}

/** Java's `String.trim().isEmpty()`: only characters up to U+0020 count as blank. */
function isJavaBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x20) return false;
  return true;
}

function toMillis(value: unknown, divisor: number): number | undefined {
  if (typeof value === 'bigint') return Number(value / BigInt(divisor));
  if (typeof value === 'number') return Math.trunc(value / divisor);
  return undefined;
}

/** A header value as Connect's SimpleHeaderConverter writes it: text for everything but bytes. */
function headerValue(value: unknown, schema: Schema): string | Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (schema.type === 'struct' || schema.type === 'map' || schema.type === 'array') {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
  return String(value);
}
