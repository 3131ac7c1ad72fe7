import type { Schema } from '@outflow/relay-core';
import { convertValue } from './values.ts';

/**
 * A column of a captured table as `information_schema.COLUMNS` describes it (plus the JSON hint), the input
 * of the Connect schema mapping below and of the value converters in `values.ts`.
 */
export interface ColumnMeta {
  readonly name: string;
  /** `DATA_TYPE`, lower case: `varchar`, `tinyint`, `json`, `longtext`, `uuid`, … */
  readonly dataType: string;
  /** `COLUMN_TYPE`, lower case: `tinyint(1) unsigned`, `enum('a','b')`, `decimal(10,2)`, … */
  readonly columnType: string;
  readonly nullable: boolean;
  /** `COLUMN_DEFAULT` as the server reports it, unquoted (null: no default or DEFAULT NULL). */
  readonly defaultValue: string | null;
  /** True when `defaultValue` is an expression such as `current_timestamp()` rather than a literal. */
  readonly defaultIsExpression: boolean;
  readonly unsigned: boolean;
  /** `NUMERIC_PRECISION` / `NUMERIC_SCALE` for DECIMAL. */
  readonly precision: number | null;
  readonly scale: number | null;
  /** `DATETIME_PRECISION` (fractional digits) for DATETIME, TIMESTAMP and TIME. */
  readonly fsp: number;
  /** `CHARACTER_MAXIMUM_LENGTH`. */
  readonly length: number | null;
  /** A JSON column: MySQL's JSON type, or MariaDB's JSON alias (LONGTEXT with a `json_valid` CHECK). */
  readonly json: boolean;
  /** ENUM or SET members, in declaration order. */
  readonly members: readonly string[];
}

/** The handling modes that change column schemas (Debezium's options of the same names). */
export interface TypeModes {
  readonly decimalHandlingMode: 'precise' | 'double' | 'string';
  readonly timePrecisionMode: 'adaptive_time_microseconds' | 'connect';
  readonly bigintUnsignedHandlingMode: 'long' | 'precise';
  readonly binaryHandlingMode: 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
}

/** Debezium's defaults. */
export const DEFAULT_TYPE_MODES: TypeModes = {
  decimalHandlingMode: 'precise',
  timePrecisionMode: 'adaptive_time_microseconds',
  bigintUnsignedHandlingMode: 'long',
  binaryHandlingMode: 'bytes',
};

/** How a column's values are converted; chosen once per column from its type. */
export type ValueKind =
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'decimal'
  | 'decimal-double'
  | 'decimal-string'
  | 'boolean-bit'
  | 'bits'
  | 'string'
  | 'json'
  | 'uuid'
  | 'enum'
  | 'set'
  | 'bytes'
  | 'date'
  | 'datetime-ms'
  | 'datetime-us'
  | 'timestamp'
  | 'time-us'
  | 'time-ms'
  | 'year';

const BINARY_TYPES = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'geometry',
]);
const TEXT_TYPES = new Set([
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'inet4',
  'inet6',
]);

/**
 * Picks the conversion of a column, following Debezium's MySQL type mapping:
 * TINYINT (also TINYINT(1)/BOOLEAN, as Debezium does without a converter) and SMALLINT → int16 (unsigned
 * widen one step), MEDIUMINT/INT → int32, BIGINT → int64, DECIMAL by `decimal.handling.mode`, FLOAT → float32,
 * DOUBLE → float64, BIT(1) → boolean, BIT(n) → Bits, DATE → Date, DATETIME → Timestamp/MicroTimestamp by
 * precision, TIMESTAMP → ZonedTimestamp, TIME → MicroTime, YEAR → Year, ENUM/SET → Enum/EnumSet, JSON → Json, MariaDB's
 * UUID → Uuid.
 */
export function valueKindOf(column: ColumnMeta, modes: TypeModes = DEFAULT_TYPE_MODES): ValueKind {
  if (column.json) return 'json';
  const t = column.dataType;
  const connect = modes.timePrecisionMode === 'connect';
  switch (t) {
    case 'tinyint':
      return 'int16';
    case 'smallint':
      return column.unsigned ? 'int32' : 'int16';
    case 'mediumint':
      return 'int32';
    case 'int':
    case 'integer':
      return column.unsigned ? 'int64' : 'int32';
    case 'bigint':
      return column.unsigned && modes.bigintUnsignedHandlingMode === 'precise' ? 'decimal' : 'int64';
    case 'decimal':
    case 'numeric':
      return modes.decimalHandlingMode === 'precise'
        ? 'decimal'
        : modes.decimalHandlingMode === 'double'
          ? 'decimal-double'
          : 'decimal-string';
    case 'float':
      return 'float32';
    case 'double':
    case 'real':
      return 'float64';
    case 'bit':
      return (column.precision ?? 1) <= 1 ? 'boolean-bit' : 'bits';
    case 'date':
      return 'date';
    case 'datetime':
      return connect || column.fsp <= 3 ? 'datetime-ms' : 'datetime-us';
    case 'timestamp':
      return 'timestamp';
    case 'time':
      return connect ? 'time-ms' : 'time-us';
    case 'year':
      return 'year';
    case 'enum':
      return 'enum';
    case 'set':
      return 'set';
    case 'json':
      return 'json';
    case 'uuid':
      return 'uuid';
  }
  if (TEXT_TYPES.has(t)) return 'string';
  if (BINARY_TYPES.has(t)) return 'bytes';
  return 'string';
}

/** The Connect schema of a column, with Debezium's semantic name, parameters and default value. */
export function columnSchema(column: ColumnMeta, modes: TypeModes = DEFAULT_TYPE_MODES): Schema {
  const kind = valueKindOf(column, modes);
  const base = baseSchema(kind, column, modes);
  const schema: Schema = { ...base, optional: column.nullable };
  const fallback = defaultValueOf(column, kind, modes);
  return fallback === undefined ? schema : { ...schema, default: fallback };
}

function baseSchema(kind: ValueKind, column: ColumnMeta, modes: TypeModes): Omit<Schema, 'optional'> {
  switch (kind) {
    case 'int16':
    case 'int32':
    case 'int64':
    case 'float32':
    case 'float64':
      return { type: kind };
    case 'decimal': {
      const precision = column.precision ?? 20;
      return {
        type: 'bytes',
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: String(column.scale ?? 0), 'connect.decimal.precision': String(precision) },
      };
    }
    case 'decimal-double':
      return { type: 'float64' };
    case 'decimal-string':
      return { type: 'string' };
    case 'boolean-bit':
      return { type: 'boolean' };
    case 'bits':
      return {
        type: 'bytes',
        name: 'io.debezium.data.Bits',
        version: 1,
        parameters: { length: String(column.precision ?? 1) },
      };
    case 'string':
      return { type: 'string' };
    case 'uuid':
      return { type: 'string', name: 'io.debezium.data.Uuid', version: 1 };
    case 'json':
      return { type: 'string', name: 'io.debezium.data.Json', version: 1 };
    case 'enum':
      return {
        type: 'string',
        name: 'io.debezium.data.Enum',
        version: 1,
        parameters: { allowed: column.members.join(',') },
      };
    case 'set':
      return {
        type: 'string',
        name: 'io.debezium.data.EnumSet',
        version: 1,
        parameters: { allowed: column.members.join(',') },
      };
    case 'bytes':
      return modes.binaryHandlingMode === 'bytes' ? { type: 'bytes' } : { type: 'string' };
    case 'date':
      return modes.timePrecisionMode === 'connect'
        ? { type: 'int32', name: 'org.apache.kafka.connect.data.Date', version: 1 }
        : { type: 'int32', name: 'io.debezium.time.Date', version: 1 };
    case 'datetime-ms':
      return modes.timePrecisionMode === 'connect'
        ? { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1 }
        : { type: 'int64', name: 'io.debezium.time.Timestamp', version: 1 };
    case 'datetime-us':
      return { type: 'int64', name: 'io.debezium.time.MicroTimestamp', version: 1 };
    case 'timestamp':
      return { type: 'string', name: 'io.debezium.time.ZonedTimestamp', version: 1 };
    case 'time-us':
      return { type: 'int64', name: 'io.debezium.time.MicroTime', version: 1 };
    case 'time-ms':
      return { type: 'int32', name: 'org.apache.kafka.connect.data.Time', version: 1 };
    case 'year':
      return { type: 'int32', name: 'io.debezium.time.Year', version: 1 };
  }
}

/**
 * Debezium's column defaults: a literal default converted like a value; an expression default
 * (`CURRENT_TIMESTAMP`) on a NOT NULL temporal column becomes the epoch (the seed's
 * `"default":"1970-01-01T00:00:00Z"`); otherwise none.
 */
function defaultValueOf(column: ColumnMeta, kind: ValueKind, modes: TypeModes): unknown {
  const raw = column.defaultValue;
  if (raw === null) return undefined;
  if (column.defaultIsExpression) {
    if (column.nullable) return undefined;
    return epochDefault(kind);
  }
  try {
    const converted = convertValue(raw, kind, column, modes);
    return converted === null ? undefined : converted;
  } catch {
    return undefined;
  }
}

function epochDefault(kind: ValueKind): unknown {
  switch (kind) {
    case 'timestamp':
      return '1970-01-01T00:00:00Z';
    case 'datetime-ms':
    case 'datetime-us':
    case 'time-us':
      return 0;
    case 'date':
    case 'time-ms':
      return 0;
    default:
      return undefined;
  }
}

/**
 * Parses the members of an `enum('a','b')` or `set('x','y')` column type, undoing SQL quoting.
 */
export function parseMembers(columnType: string): string[] {
  const open = columnType.indexOf('(');
  const close = columnType.lastIndexOf(')');
  if (open < 0 || close < open) return [];
  const body = columnType.slice(open + 1, close);
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] !== "'") {
      i++;
      continue;
    }
    let value = '';
    i++;
    while (i < body.length) {
      const ch = body[i]!;
      if (ch === "'" && body[i + 1] === "'") {
        value += "'";
        i += 2;
      } else if (ch === '\\' && i + 1 < body.length) {
        value += body[i + 1];
        i += 2;
      } else if (ch === "'") {
        i++;
        break;
      } else {
        value += ch;
        i++;
      }
    }
    out.push(value);
  }
  return out;
}
