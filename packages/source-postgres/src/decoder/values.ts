import { decimalToUnscaledBytes, field, type Schema, Schemas, struct, toInt64 } from '@outflow/relay-core';

/**
 * PostgreSQL column types → Connect schemas and values, as Debezium's PostgreSQL connector maps them.
 * Values arrive in PostgreSQL's text output format, the same from pgoutput and from the snapshot query,
 * because both sessions run with `DateStyle=ISO`, `TimeZone=UTC`, `IntervalStyle=iso_8601`,
 * `bytea_output=hex` and `extra_float_digits=3` (see {@link SESSION_OPTIONS}). Pure functions.
 */

/** Startup options every connection of the source uses, so that text values have one known format. */
export const SESSION_OPTIONS =
  '-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c bytea_output=hex -c extra_float_digits=3';

/** How numeric, temporal and binary values are represented (Debezium's `*.handling.mode` options). */
export interface TypeModes {
  readonly decimalHandlingMode: 'precise' | 'double' | 'string';
  readonly timePrecisionMode: 'adaptive' | 'adaptive_time_microseconds' | 'connect';
  readonly binaryHandlingMode: 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
}

/** Default modes (Debezium's defaults). */
export const DEFAULT_TYPE_MODES: TypeModes = {
  decimalHandlingMode: 'precise',
  timePrecisionMode: 'adaptive',
  binaryHandlingMode: 'bytes',
};

/** A column's Connect schema and the conversion of its text values. */
export interface ColumnType {
  readonly schema: Schema;
  /** Converts a non-null text value. */
  convert(text: string): unknown;
}

/** Built-in type OIDs (pg_type.oid, stable across PostgreSQL versions). */
export const Oid = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  xml: 142,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** Array type OID → element type OID, for the arrays Outflow maps. */
const ARRAY_ELEMENTS: ReadonlyMap<number, number> = new Map([
  [1000, Oid.bool],
  [1001, Oid.bytea],
  [1002, Oid.char],
  [1003, Oid.name],
  [1005, Oid.int2],
  [1007, Oid.int4],
  [1009, Oid.text],
  [1014, Oid.bpchar],
  [1015, Oid.varchar],
  [1016, Oid.int8],
  [1021, Oid.float4],
  [1022, Oid.float8],
  [1028, Oid.oid],
  [1115, Oid.timestamp],
  [1182, Oid.date],
  [1183, Oid.time],
  [1185, Oid.timestamptz],
  [1231, Oid.numeric],
  [199, Oid.json],
  [2951, Oid.uuid],
  [3807, Oid.jsonb],
]);

const named = (
  type: Schema['type'],
  name: string,
  optional: boolean,
  extra: Partial<Schema> = {},
): Schema => ({
  type,
  optional,
  name,
  version: 1,
  ...extra,
});

/** What the catalog knows about a type beyond its OID. */
export interface TypeDetails {
  /** The labels of a user-defined enum type, in sort order (undefined: not an enum). */
  readonly enumValues?: readonly string[];
}

/**
 * Resolves the schema and converter of a column from its type OID and type modifier (`atttypmod`), and for
 * a user-defined enum, its labels.
 */
export function columnType(
  typeOid: number,
  typeMod: number,
  optional: boolean,
  modes: TypeModes,
  details: TypeDetails = {},
): ColumnType {
  if (details.enumValues !== undefined) {
    return {
      schema: named('string', 'io.debezium.data.Enum', optional, {
        parameters: { allowed: details.enumValues.join(',') },
      }),
      convert: (t) => t,
    };
  }
  const element = ARRAY_ELEMENTS.get(typeOid);
  if (element !== undefined) {
    const item = columnType(element, typeMod, true, modes);
    return {
      schema: { type: 'array', optional, items: item.schema },
      convert: (text) => parseArray(text).map((v) => (v === null ? null : item.convert(v))),
    };
  }
  switch (typeOid) {
    case Oid.bool:
      return { schema: Schemas.boolean(optional), convert: (t) => t === 't' || t === 'true' };
    case Oid.int2:
      return { schema: Schemas.int16(optional), convert: Number };
    case Oid.int4:
      return { schema: Schemas.int32(optional), convert: Number };
    case Oid.int8:
    case Oid.oid:
      return { schema: Schemas.int64(optional), convert: toInt64 };
    case Oid.float4:
      return { schema: Schemas.float32(optional), convert: Number };
    case Oid.float8:
      return { schema: Schemas.float64(optional), convert: Number };
    case Oid.numeric:
      return numericType(typeMod, optional, modes);
    case Oid.uuid:
      return { schema: named('string', 'io.debezium.data.Uuid', optional), convert: (t) => t };
    case Oid.json:
    case Oid.jsonb:
      return { schema: named('string', 'io.debezium.data.Json', optional), convert: (t) => t };
    case Oid.xml:
      return { schema: named('string', 'io.debezium.data.Xml', optional), convert: (t) => t };
    case Oid.bytea:
      return binaryType(optional, modes);
    case Oid.date:
      return modes.timePrecisionMode === 'connect'
        ? { schema: named('int32', 'org.apache.kafka.connect.data.Date', optional), convert: parseDateDays }
        : { schema: named('int32', 'io.debezium.time.Date', optional), convert: parseDateDays };
    case Oid.timestamp:
      return timestampType(typeMod, optional, modes);
    case Oid.timestamptz: {
      // Debezium pads the fraction to the column's scale (6 when the column has no precision).
      const fraction = precisionOf(typeMod);
      return {
        schema: named('string', 'io.debezium.time.ZonedTimestamp', optional),
        convert: (t) => toZonedTimestamp(t, fraction),
      };
    }
    case Oid.time:
      return timeType(typeMod, optional, modes);
    case Oid.timetz:
      return { schema: named('string', 'io.debezium.time.ZonedTime', optional), convert: toZonedTime };
    case Oid.interval:
      return {
        schema: named('int64', 'io.debezium.time.MicroDuration', optional),
        convert: parseIntervalMicros,
      };
    default:
      // text, varchar, bpchar, name, char, enums, domains over text, and types Outflow does not map.
      return { schema: Schemas.string(optional), convert: (t) => t };
  }
}

/** Schema of numeric without a fixed scale in precise mode. */
export const variableScaleDecimalSchema = (optional: boolean): Schema => ({
  ...struct(
    'io.debezium.data.VariableScaleDecimal',
    [field('scale', Schemas.int32()), field('value', Schemas.bytes())],
    optional,
  ),
  version: 1,
  doc: 'Variable scaled decimal',
});

function numericType(typeMod: number, optional: boolean, modes: TypeModes): ColumnType {
  if (modes.decimalHandlingMode === 'double') return { schema: Schemas.float64(optional), convert: Number };
  if (modes.decimalHandlingMode === 'string') return { schema: Schemas.string(optional), convert: (t) => t };
  if (typeMod >= 4) {
    const precision = ((typeMod - 4) >> 16) & 0xffff;
    const scale = (typeMod - 4) & 0xffff;
    return {
      schema: named('bytes', 'org.apache.kafka.connect.data.Decimal', optional, {
        parameters: { scale: String(scale), 'connect.decimal.precision': String(precision) },
      }),
      convert: (t) => (t === 'NaN' ? null : decimalToUnscaledBytes(t, scale)),
    };
  }
  return {
    schema: variableScaleDecimalSchema(optional),
    convert: (t) => {
      if (t === 'NaN' || t.endsWith('Infinity')) return null;
      const scale = t.includes('.') ? t.length - t.indexOf('.') - 1 : 0;
      return { scale, value: decimalToUnscaledBytes(t, scale) };
    },
  };
}

function binaryType(optional: boolean, modes: TypeModes): ColumnType {
  const decode = (t: string): Buffer =>
    t.startsWith('\\x') ? Buffer.from(t.slice(2), 'hex') : Buffer.from(t, 'latin1');
  switch (modes.binaryHandlingMode) {
    case 'bytes':
      return { schema: Schemas.bytes(optional), convert: (t) => new Uint8Array(decode(t)) };
    case 'base64':
      return { schema: Schemas.string(optional), convert: (t) => decode(t).toString('base64') };
    case 'base64-url-safe':
      return { schema: Schemas.string(optional), convert: (t) => decode(t).toString('base64url') };
    case 'hex':
      return { schema: Schemas.string(optional), convert: (t) => decode(t).toString('hex') };
  }
}

/** Fractional-second precision of a time/timestamp column: its typmod, or 6 when unconstrained. */
function precisionOf(typeMod: number): number {
  return typeMod >= 0 ? typeMod : 6;
}

function timestampType(typeMod: number, optional: boolean, modes: TypeModes): ColumnType {
  const toMillis = (t: string) => {
    const us = parseTimestampMicros(t);
    return us === null ? null : Math.floor(us / 1000);
  };
  if (modes.timePrecisionMode === 'connect')
    return { schema: named('int64', 'org.apache.kafka.connect.data.Timestamp', optional), convert: toMillis };
  if (precisionOf(typeMod) <= 3)
    return { schema: named('int64', 'io.debezium.time.Timestamp', optional), convert: toMillis };
  return {
    schema: named('int64', 'io.debezium.time.MicroTimestamp', optional),
    convert: parseTimestampMicros,
  };
}

function timeType(typeMod: number, optional: boolean, modes: TypeModes): ColumnType {
  const toMillis = (t: string) => Math.floor(parseTimeMicros(t) / 1000);
  if (modes.timePrecisionMode === 'connect')
    return { schema: named('int32', 'org.apache.kafka.connect.data.Time', optional), convert: toMillis };
  if (modes.timePrecisionMode === 'adaptive' && precisionOf(typeMod) <= 3)
    return { schema: named('int32', 'io.debezium.time.Time', optional), convert: toMillis };
  return { schema: named('int64', 'io.debezium.time.MicroTime', optional), convert: parseTimeMicros };
}

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` → days since 1970-01-01. */
export function parseDateDays(text: string): number | null {
  const m = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/.exec(text);
  if (m === null) return null;
  const year = m[4] === undefined ? Number(m[1]) : 1 - Number(m[1]);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  return Math.floor(date.getTime() / DAY_MS);
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` (wall time, no zone) → epoch microseconds; null for ±infinity. */
export function parseTimestampMicros(text: string): number | null {
  const m = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(text);
  if (m === null) return null;
  const days = parseDateDays(m[1]!);
  return days === null ? null : days * DAY_MS * 1000 + parseTimeMicros(m[2]!);
}

/** `HH:MM:SS[.ffffff]` → microseconds since midnight. */
export function parseTimeMicros(text: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/.exec(text);
  if (m === null) throw new Error(`not a time: '${text}'`);
  const fraction = Number((m[4] ?? '').padEnd(6, '0'));
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1_000_000 + fraction;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff]+00` (TimeZone=UTC) → ISO-8601 in UTC as Debezium's `ZonedTimestamp.toIsoString`
 * writes it: with exactly `fraction` digits (the column's scale) when 1-9, e.g. `2024-01-02T03:04:05.500Z`
 * for 3; with the shortest fraction (none for whole seconds) when `fraction` is 0 or absent.
 */
export function toZonedTimestamp(text: string, fraction = 0): string {
  const m = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?([+-]\d{2}(?::?\d{2})?)$/.exec(text);
  if (m === null) return text;
  let date = m[1]!;
  let time = m[2]!;
  let digits = m[3] ?? '';
  if (m[4] !== '+00' && m[4] !== '-00') {
    // Another session time zone: convert to UTC (millisecond precision).
    const offset = m[4]!.length === 3 ? `${m[4]}:00` : m[4]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    const iso = new Date(`${date}T${time}${digits === '' ? '' : `.${digits}`}${offset}`).toISOString();
    [date, time, digits] = [iso.slice(0, 10), iso.slice(11, 19), iso.slice(20, 23)];
  }
  const shown =
    fraction > 0 && fraction <= 9
      ? digits.padEnd(fraction, '0').slice(0, fraction)
      : shortestFraction(digits);
  // One flat string (~60 B) instead of a tree of V8 cons strings (~190 B) that a queued record keeps (ADR 0006).
  return [date, 'T', time, shown === '' ? '' : '.', shown, 'Z'].join('');
}

/** Java's ISO_LOCAL_TIME fraction (`appendFraction(NANO_OF_SECOND, 0, 9, true)`): trailing zeros dropped. */
function shortestFraction(digits: string): string {
  return digits.replace(/0+$/, '');
}

/** `HH:MM:SS[.ffffff]+HH[:MM]` → the same time in UTC, `HH:MM:SS[.ffffff]Z`, as Debezium's ZonedTime. */
export function toZonedTime(text: string): string {
  const m = /^(\d{2}:\d{2}:\d{2})(\.\d+)?([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(text);
  if (m === null) return text;
  const offsetS =
    (m[3] === '-' ? -1 : 1) * ((Number(m[4]) * 60 + Number(m[5] ?? 0)) * 60 + Number(m[6] ?? 0));
  const [h, mi, s] = m[1]!.split(':').map(Number) as [number, number, number];
  const total = (((h * 3600 + mi * 60 + s - offsetS) % 86400) + 86400) % 86400;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}${m[2] ?? ''}Z`;
}

/**
 * ISO-8601 interval (`IntervalStyle=iso_8601`, e.g. `P1Y2M3DT4H5M6.5S`) → microseconds, counting a month as
 * 365.25 / 12 days as Debezium's MicroDuration does.
 */
export function parseIntervalMicros(text: string): number {
  const m =
    /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?[\d.]+)S)?)?$/.exec(
      text,
    );
  if (m === null) throw new Error(`not an ISO-8601 interval: '${text}'`);
  const n = (i: number) => Number(m[i] ?? 0);
  const days = (n(1) * 12 + n(2)) * (365.25 / 12) + n(3) * 7 + n(4);
  return Math.round(((days * 24 + n(5)) * 60 + n(6)) * 60 * 1_000_000 + n(7) * 1_000_000);
}

/**
 * A one-dimensional array literal (`{a,"b c",NULL}`) → its element texts (null for NULL). Nested arrays are
 * kept as their literal text.
 */
export function parseArray(text: string): (string | null)[] {
  const body = text.replace(/^\[[^\]]*\]=/, '');
  if (!body.startsWith('{') || !body.endsWith('}')) throw new Error(`not an array literal: '${text}'`);
  const out: (string | null)[] = [];
  let i = 1;
  const end = body.length - 1;
  if (end === 1) return out;
  while (i <= end) {
    let value = '';
    let quoted = false;
    if (body[i] === '"') {
      quoted = true;
      i++;
      while (i < end && body[i] !== '"') {
        if (body[i] === '\\') i++;
        value += body[i];
        i++;
      }
      i++;
    } else if (body[i] === '{') {
      let depth = 0;
      const start = i;
      do {
        if (body[i] === '{') depth++;
        else if (body[i] === '}') depth--;
        i++;
      } while (depth > 0 && i < end);
      value = body.slice(start, i);
    } else {
      while (i < end && body[i] !== ',') value += body[i++];
    }
    out.push(!quoted && value === 'NULL' ? null : value);
    i++; // the comma (or the closing brace)
  }
  return out;
}

/**
 * The value Debezium emits for an unchanged TOASTed column (`unavailable.value.placeholder`): the
 * placeholder as a string, as UTF-8 bytes, or as a one-element array of either; null for other schemas.
 */
export function unavailablePlaceholder(schema: Schema, placeholder: string): unknown {
  if (schema.type === 'string') return placeholder;
  if (schema.type === 'bytes' && schema.name === undefined)
    return new Uint8Array(Buffer.from(placeholder, 'utf8'));
  if (schema.type === 'array' && schema.items !== undefined) {
    const item = unavailablePlaceholder(schema.items, placeholder);
    return item === null ? null : [item];
  }
  return null;
}
