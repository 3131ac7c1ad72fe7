/**
 * Turns a consumed Kafka record into an inbox event. Pure: no I/O. Two wire shapes are understood:
 *
 * - Debezium's Outbox Event Router output (see REFERENCE §2): value = the payload as JSON (an escaped JSON
 *   string is unwrapped too), key = aggregate id, header `id` = outbox row id, the type only if placed in a
 *   header (`table.fields.additional.placement=type:header:eventType`).
 * - A raw Debezium change event of the outbox table (REFERENCE §1; with or without the `{schema, payload}`
 *   wrapper): `after` is the outbox row `{id, aggregatetype, aggregateid, type, payload}` (the seed's
 *   `aggregate_type`/`aggregate_id` spellings too); deletes and tombstones are skipped.
 */
import type { InboxEvent } from './types.ts';

/** A consumed record, as the consumer hands it to {@link decodeRecord}. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | null | undefined;
  readonly value: Buffer | null | undefined;
  readonly headers: ReadonlyMap<string, string>;
  readonly timestamp: bigint;
}

/** How to find the event id and type. */
export interface DecodeOptions {
  /** Header carrying the event id (the Event Router's `id`). */
  readonly idHeader: string;
  /** Header carrying the event type, if the router places one there. */
  readonly typeHeader: string;
  /** Fallback: the type from the parsed payload (and the record), when no header carries it. */
  readonly typeFrom?: ((payload: unknown, record: RawRecord) => string | undefined) | undefined;
}

/** The outcome of {@link decodeRecord}. */
export type Decoded =
  | { readonly kind: 'event'; readonly event: InboxEvent }
  | { readonly kind: 'skip'; readonly reason: 'tombstone' | 'debezium-delete' }
  | {
      readonly kind: 'invalid';
      readonly code: 'INBOX_PAYLOAD_INVALID' | 'INBOX_EVENT_ID_MISSING';
      readonly message: string;
    };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Debezium envelope (`{before, after, op, …}`) in `value`, unwrapping `{schema, payload}`; else undefined. */
function debeziumEnvelope(value: unknown): Json | undefined {
  const inner = isObject(value) && 'schema' in value && isObject(value.payload) ? value.payload : value;
  if (isObject(inner) && 'after' in inner && ('op' in inner || 'before' in inner || 'source' in inner)) {
    return inner;
  }
  return undefined;
}

/** Parses an escaped JSON payload (a JSON string holding JSON text); keeps the string if it is not JSON. */
function unwrapString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

const ROUTED_TOPIC = /^outbox\.event\.(.+)$/;

function headerObject(headers: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers) out[k] = v;
  return out;
}

/** `options.typeFrom`'s answer; a throwing or non-string answer counts as "no type". */
function typeOf(options: DecodeOptions, payload: unknown, record: RawRecord): string | undefined {
  try {
    return text(options.typeFrom?.(payload, record)) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Decodes one record; never throws. */
export function decodeRecord(record: RawRecord, options: DecodeOptions): Decoded {
  if (record.value === null || record.value === undefined || record.value.length === 0) {
    return { kind: 'skip', reason: 'tombstone' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value.toString('utf8'));
  } catch (error) {
    return {
      kind: 'invalid',
      code: 'INBOX_PAYLOAD_INVALID',
      message: `value is not JSON: ${(error as Error).message}`,
    };
  }

  const headers = headerObject(record.headers);
  const base = {
    headers,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
  };
  const routedType = ROUTED_TOPIC.exec(record.topic)?.[1] ?? null;

  const envelope = debeziumEnvelope(parsed);
  if (envelope !== undefined) {
    const row = envelope.after;
    if (envelope.op === 'd' || !isObject(row)) return { kind: 'skip', reason: 'debezium-delete' };
    const id = text(headers[options.idHeader]) ?? text(row.id);
    if (id === null) {
      return { kind: 'invalid', code: 'INBOX_EVENT_ID_MISSING', message: 'the change event has no after.id' };
    }
    const payload = unwrapString(row.payload);
    const rawRecord = record;
    return {
      kind: 'event',
      event: {
        ...base,
        id,
        type: text(headers[options.typeHeader]) ?? text(row.type) ?? typeOf(options, payload, rawRecord),
        aggregateType: text(row.aggregatetype) ?? text(row.aggregate_type) ?? routedType,
        aggregateId: text(row.aggregateid) ?? text(row.aggregate_id) ?? text(record.key),
        payload,
      },
    };
  }

  const id = text(headers[options.idHeader]);
  if (id === null) {
    return {
      kind: 'invalid',
      code: 'INBOX_EVENT_ID_MISSING',
      message: `the record has no "${options.idHeader}" header and is not a Debezium change event`,
    };
  }
  const payload = unwrapString(parsed);
  return {
    kind: 'event',
    event: {
      ...base,
      id,
      type: text(headers[options.typeHeader]) ?? typeOf(options, payload, record),
      aggregateType: routedType,
      aggregateId: text(record.key),
      payload,
    },
  };
}
