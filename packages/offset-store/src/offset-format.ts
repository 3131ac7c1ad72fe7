import { createJsonConverter, type SourceOffset, type SourcePartition } from '@outflow/relay-core';

/**
 * Kafka Connect's offset record format (`OffsetStorageWriter` with the internal schemaless JsonConverter):
 * key `["<connector>",{<source partition>}]`, value the offset map as JSON, a null value for deleted offsets.
 * E.g. key `["outbox-connector",{"server":"dbserver1"}]`, value `{"file":"binlog.000015","pos":13396}`.
 * Written with the project's JsonConverter, so the bytes are Jackson's for the same map order.
 */
const json = createJsonConverter({ schemasEnable: false });

/** The offset record key Connect writes for a connector's source partition. */
export function offsetKey(connector: string, partition: SourcePartition): string {
  return json.fromConnectData('', null, [connector, partition])!.toString('utf8');
}

/** The offset record value Connect writes for an offset. */
export function offsetValue(offset: SourceOffset): Buffer {
  return json.fromConnectData('', null, offset)!;
}

/**
 * A key of equal meaning whatever the order of the partition's fields, to find a partition stored by another
 * writer (Connect serialises Java maps in their own iteration order).
 */
export function canonicalKey(connector: string, partition: SourcePartition): string {
  return offsetKey(connector, sortKeys(partition) as SourcePartition);
}

/** Parses an offset key; null when it is not `[string, object]`. */
export function parseOffsetKey(text: string): { connector: string; partition: SourcePartition } | null {
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string') return null;
  const partition = parsed[1] as unknown;
  if (typeof partition !== 'object' || partition === null || Array.isArray(partition)) return null;
  return { connector: parsed[0], partition: partition as SourcePartition };
}

/** Parses an offset value; null when it is not a JSON object. */
export function parseOffsetValue(bytes: Buffer): SourceOffset | null {
  try {
    const parsed = parseJson(bytes.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as SourceOffset)
      : null;
  } catch {
    return null;
  }
}

type Reviver = (key: string, value: unknown) => unknown;

/** `JSON.parse`, keeping integers beyond 2^53 exact as `bigint` (Connect writes Java longs). */
export function parseJson(text: string): unknown {
  const reviver = (_key: string, value: unknown, context?: { source?: string }): unknown => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined) {
      if (/^-?\d+$/.test(context.source)) return BigInt(context.source);
    }
    return value;
  };
  return JSON.parse(text, reviver as unknown as Reviver);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
