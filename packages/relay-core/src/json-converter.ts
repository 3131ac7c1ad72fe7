import type { Converter } from './contracts.ts';
import { RelayError } from './errors.ts';
import type { Schema } from './schema.ts';

/** Options of {@link createJsonConverter}, named after Kafka Connect's `JsonConverterConfig`. */
export interface JsonConverterOptions {
  /** `schemas.enable`: wrap each value as `{"schema":…,"payload":…}` (Connect's default is true). */
  readonly schemasEnable: boolean;
  /** `decimal.format`: `BASE64` (default) writes a Decimal's unscaled bytes; `NUMERIC` writes a JSON number. */
  readonly decimalFormat?: 'BASE64' | 'NUMERIC';
  /** `replace.null.with.default`: a null field with a schema default is written as the default (default true). */
  readonly replaceNullWithDefault?: boolean;
}

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const DATE = 'org.apache.kafka.connect.data.Date';
const TIME = 'org.apache.kafka.connect.data.Time';
const TIMESTAMP = 'org.apache.kafka.connect.data.Timestamp';
const MS_PER_DAY = 86_400_000;

/**
 * JsonConverter's names for Connect types whose JSON name differs from `Schema.Type` (`JsonSchema.FLOAT_TYPE_NAME`,
 * `DOUBLE_TYPE_NAME`); Connect's reader accepts only these, so `float32`/`float64` never reach the wire.
 */
const JSON_TYPE_NAMES: Readonly<Partial<Record<string, string>>> = { float32: 'float', float64: 'double' };

/**
 * Kafka Connect's `org.apache.kafka.connect.json.JsonConverter`, byte for byte.
 *
 * Wire format followed: `JsonConverter.asJsonSchema` / `convertToJson` (Kafka 3.x/4.x) serialised by Jackson's
 * default `ObjectMapper`: schema keys in the order `type`, `fields`|`items`|`keys`+`values`, `optional`, `name`,
 * `version`, `doc`, `parameters`, `default`, and `field` last inside a struct's field list; no whitespace;
 * strings escaped as Jackson does (`\uXXXX` in upper-case hex, non-ASCII written as UTF-8); bytes as base64;
 * floats as Java's `Double.toString`/`Float.toString` (`1.0`, `1.0E10`), NaN and infinities as quoted strings.
 *
 * Values follow the core data model (`schema.ts`): a struct is a plain object, int64 a `number` or `bigint`,
 * bytes a `Uint8Array`, a map a `Map` or a plain object. Logical types: a `Decimal` value is a decimal string
 * (`"-12.50"`), a finite `number`, or a `bigint` holding the unscaled value; `Date`, `Time` and `Timestamp`
 * accept a JS `Date` or their integer encoding.
 *
 * A `null` value always yields a `null` buffer (a tombstone), whatever the schema. Connect does the same when
 * the schema is null too (Debezium's tombstones); with a schema it would write an envelope around `null`.
 * Invalid data throws a `RelayError` with code `TRANSFORM_FAILED` naming the topic and the field path.
 */
export function createJsonConverter(options: JsonConverterOptions): Converter {
  const writer = new JsonWriter(options.decimalFormat ?? 'BASE64', options.replaceNullWithDefault ?? true);
  const schemasEnable = options.schemasEnable;
  return {
    fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null {
      if (value === null || value === undefined) return null;
      try {
        const payload = writer.value(schema, value, '');
        const json = schemasEnable
          ? `{"schema":${schema === null ? 'null' : writer.schema(schema)},"payload":${payload}}`
          : payload;
        return Buffer.from(json, 'utf8');
      } catch (error) {
        if (error instanceof ConversionProblem) {
          throw new RelayError('TRANSFORM_FAILED', `JsonConverter: ${error.message} (topic ${topic})`, {
            details: { converter: 'JsonConverter', topic, path: error.path },
          });
        }
        throw error;
      }
    },
  };
}

class ConversionProblem extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(path === '' ? message : `${message} at ${path}`);
    this.path = path;
  }
}

class JsonWriter {
  readonly #decimalFormat: 'BASE64' | 'NUMERIC';
  readonly #replaceNullWithDefault: boolean;
  readonly #schemaCache = new WeakMap<Schema, string>();

  constructor(decimalFormat: 'BASE64' | 'NUMERIC', replaceNullWithDefault: boolean) {
    this.#decimalFormat = decimalFormat;
    this.#replaceNullWithDefault = replaceNullWithDefault;
  }

  /** `asJsonSchema`, without the closing brace so a struct field can append `"field"` last. */
  #schemaBody(schema: Schema): string {
    let out = `{"type":${quote(JSON_TYPE_NAMES[schema.type] ?? schema.type)}`;
    switch (schema.type) {
      case 'struct':
        out += `,"fields":[${(schema.fields ?? [])
          .map((f) => `${this.#schemaBody(f.schema)},"field":${quote(f.name)}}`)
          .join(',')}]`;
        break;
      case 'array':
        out += `,"items":${schema.items === undefined ? 'null' : this.schema(schema.items)}`;
        break;
      case 'map':
        out += `,"keys":${schema.keys === undefined ? 'null' : this.schema(schema.keys)}`;
        out += `,"values":${schema.values === undefined ? 'null' : this.schema(schema.values)}`;
        break;
      default:
        break;
    }
    out += `,"optional":${schema.optional ? 'true' : 'false'}`;
    if (schema.name !== undefined) out += `,"name":${quote(schema.name)}`;
    if (schema.version !== undefined) out += `,"version":${schema.version}`;
    if (schema.doc !== undefined) out += `,"doc":${quote(schema.doc)}`;
    if (schema.parameters !== undefined) {
      out += `,"parameters":{${Object.entries(schema.parameters)
        .map(([k, v]) => `${quote(k)}:${quote(v)}`)
        .join(',')}}`;
    }
    if (schema.default !== undefined && schema.default !== null) {
      out += `,"default":${this.value(schema, schema.default, 'default')}`;
    }
    return out;
  }

  /** The schema as Connect writes it (cached per schema object). */
  schema(schema: Schema): string {
    let json = this.#schemaCache.get(schema);
    if (json === undefined) {
      json = `${this.#schemaBody(schema)}}`;
      this.#schemaCache.set(schema, json);
    }
    return json;
  }

  /** `convertToJson`: one value under its schema (or inferred from its JS type when the schema is null). */
  value(schema: Schema | null, value: unknown, path: string): string {
    if (value === null || value === undefined) {
      if (schema === null) return 'null';
      if (this.#replaceNullWithDefault && schema.default !== undefined && schema.default !== null) {
        return this.value(schema, schema.default, path);
      }
      if (schema.optional) return 'null';
      throw new ConversionProblem(path, 'null value for a required field with no default');
    }
    if (schema === null) return this.#schemaless(value, path);
    if (schema.name !== undefined) {
      const logical = this.#logical(schema, value, path);
      if (logical !== undefined) return logical;
    }
    switch (schema.type) {
      case 'int8':
      case 'int16':
      case 'int32':
      case 'int64':
        return integer(value, schema.type, path);
      case 'float32':
        if (typeof value !== 'number') throw invalid(path, schema.type, value);
        return javaFloatingPoint(value, true);
      case 'float64':
        if (typeof value !== 'number') throw invalid(path, schema.type, value);
        return javaFloatingPoint(value, false);
      case 'boolean':
        if (typeof value !== 'boolean') throw invalid(path, schema.type, value);
        return value ? 'true' : 'false';
      case 'string':
        if (typeof value !== 'string') throw invalid(path, schema.type, value);
        return quote(value);
      case 'bytes':
        return `"${bytesOf(value, path).toString('base64')}"`;
      case 'array': {
        if (!Array.isArray(value)) throw invalid(path, schema.type, value);
        const items = schema.items ?? null;
        return `[${value.map((v, i) => this.value(items, v, `${path}[${i}]`)).join(',')}]`;
      }
      case 'map':
        return this.#map(schema.keys ?? null, schema.values ?? null, value, path);
      case 'struct':
        return this.#struct(schema, value, path);
      default:
        throw new ConversionProblem(path, `unknown schema type ${String(schema.type)}`);
    }
  }

  #struct(schema: Schema, value: unknown, path: string): string {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      throw invalid(path, 'struct', value);
    }
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const f of schema.fields ?? []) {
      parts.push(
        `${quote(f.name)}:${this.value(f.schema, record[f.name], path === '' ? f.name : `${path}.${f.name}`)}`,
      );
    }
    return `{${parts.join(',')}}`;
  }

  #map(keys: Schema | null, values: Schema | null, value: unknown, path: string): string {
    let entries: [unknown, unknown][];
    if (value instanceof Map) entries = [...value.entries()];
    else if (typeof value === 'object' && value !== null && !Array.isArray(value))
      entries = Object.entries(value);
    else throw invalid(path, 'map', value);
    const objectMode = keys === null ? entries.every(([k]) => typeof k === 'string') : keys.type === 'string';
    if (objectMode) {
      // Jackson's ObjectNode.set: a repeated key keeps its first position and takes the last value.
      const object = new Map<string, string>();
      for (const [k, v] of entries) {
        const keyJson = this.value(keys, k, `${path}{key}`);
        const keyText = keys === null || keys.type === 'string' ? (k as string) : keyJson;
        object.set(keyText, this.value(values, v, `${path}.${keyText}`));
      }
      return `{${[...object].map(([k, v]) => `${quote(k)}:${v}`).join(',')}}`;
    }
    return `[${entries
      .map(([k, v]) => `[${this.value(keys, k, `${path}{key}`)},${this.value(values, v, `${path}{value}`)}]`)
      .join(',')}]`;
  }

  #schemaless(value: unknown, path: string): string {
    switch (typeof value) {
      case 'boolean':
        return value ? 'true' : 'false';
      case 'string':
        return quote(value);
      case 'bigint':
        return value.toString();
      case 'number':
        // JS has one number type: integral values are written as Connect writes Long, others as Double.
        return Number.isSafeInteger(value) ? String(value) : javaFloatingPoint(value, false);
      case 'object':
        if (value instanceof Uint8Array || value instanceof ArrayBuffer)
          return this.value({ type: 'bytes', optional: true }, value, path);
        if (Array.isArray(value))
          return `[${value.map((v, i) => this.value(null, v, `${path}[${i}]`)).join(',')}]`;
        if (
          value instanceof Map ||
          Object.getPrototypeOf(value) === Object.prototype ||
          Object.getPrototypeOf(value) === null
        ) {
          return this.#map(null, null, value, path);
        }
        break;
      default:
        break;
    }
    throw new ConversionProblem(path, `a ${describe(value)} has no Connect schema type`);
  }

  /** Connect's logical types; undefined when the schema name is not one of them. */
  #logical(schema: Schema, value: unknown, path: string): string | undefined {
    switch (schema.name) {
      case DECIMAL: {
        const scale = Number(schema.parameters?.scale ?? 0);
        const unscaled = unscaledDecimal(value, scale, path);
        return this.#decimalFormat === 'NUMERIC'
          ? bigDecimalToString(unscaled, scale)
          : `"${twosComplement(unscaled).toString('base64')}"`;
      }
      case DATE:
        if (value instanceof Date) {
          const ms = value.getTime();
          if (ms % MS_PER_DAY !== 0) throw new ConversionProblem(path, 'a Date value must be a UTC midnight');
          return String(ms / MS_PER_DAY);
        }
        return integer(value, 'int32', path);
      case TIME:
        if (value instanceof Date) {
          const ms = value.getTime();
          if (ms < 0 || ms >= MS_PER_DAY)
            throw new ConversionProblem(path, 'a Time value must be within 1970-01-01');
          return String(ms);
        }
        return integer(value, 'int32', path);
      case TIMESTAMP:
        if (value instanceof Date) return String(value.getTime());
        return integer(value, 'int64', path);
      default:
        return undefined;
    }
  }
}

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-9223372036854775808n, 9223372036854775807n],
};

/** Integers are written as their exact digits; a bigint never loses precision. */
function integer(value: unknown, type: string, path: string): string {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
  else throw invalid(path, type, value);
  const range = INT_RANGES[type]!;
  if (big < range[0] || big > range[1])
    throw new ConversionProblem(path, `${big} is out of range for ${type}`);
  return big.toString();
}

function bytesOf(value: unknown, path: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  throw invalid(path, 'bytes', value);
}

/**
 * Java's `Double.toString` / `Float.toString` (JDK 19+, shortest repr, at least two significant digits
 * considered): plain notation for 1e-3 <= |x| < 1e7 with at least one fraction digit, otherwise `d.dddE±n`.
 * Jackson quotes NaN and the infinities (`QUOTE_NON_NUMERIC_NUMBERS` is on by default).
 */
export function javaFloatingPoint(x: number, float32: boolean): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (x === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const v = float32 ? Math.fround(x) : x;
  let sci = float32 ? shortestFloat32(v) : v.toExponential();
  // Java picks the closest two-digit decimal when one digit would do (Double.MIN_VALUE is 4.9E-324).
  if (!sci.slice(0, sci.indexOf('e')).includes('.')) {
    const two = v.toExponential(1);
    if ((float32 ? Math.fround(Number(two)) : Number(two)) === v) sci = two;
  }
  const negative = sci.startsWith('-');
  const [mantissa, expText] = (negative ? sci.slice(1) : sci).split('e') as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  let out: string;
  if (exp >= -3 && exp < 7) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      out = `${intPart}.${digits.slice(exp + 1) || '0'}`;
    } else {
      out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    out = `${digits[0]}.${digits.slice(1) || '0'}E${exp}`;
  }
  return negative ? `-${out}` : out;
}

/** The shortest decimal (as `toExponential` text) that reads back as the same float32. */
function shortestFloat32(v: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = v.toExponential(p - 1);
    if (Math.fround(Number(s)) === v) return s;
  }
  return v.toExponential(8);
}

/**
 * A Decimal value as its unscaled integer at the schema's scale (Connect's `Decimal.fromLogical`). Sources hand
 * in the unscaled value already encoded (`Uint8Array`, as `BigInteger.toByteArray()`), so it is read back.
 */
function unscaledDecimal(value: unknown, scale: number, path: string): bigint {
  if (typeof value === 'bigint') return value;
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0) throw new ConversionProblem(path, 'a Decimal value has no bytes');
    return fromTwosComplement(value);
  }
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else throw invalid(path, 'Decimal', value);
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null || `${match[2]}${match[3] ?? ''}` === '') {
    throw new ConversionProblem(path, `${JSON.stringify(text)} is not a decimal number`);
  }
  const [, sign, intDigits = '', fracDigits = '', expText] = match;
  const exponent = expText === undefined ? 0 : Number(expText);
  // value = digits × 10^(exponent - fracDigits.length); rescale to `scale` without losing digits.
  let digits = `${intDigits}${fracDigits}`;
  const shift = scale - (fracDigits.length - exponent);
  if (shift >= 0) digits += '0'.repeat(shift);
  else {
    const dropped = digits.slice(digits.length + shift);
    if (/[1-9]/.test(dropped)) {
      throw new ConversionProblem(path, `${text} has more fraction digits than the Decimal scale ${scale}`);
    }
    digits = digits.slice(0, digits.length + shift);
  }
  const unscaled = BigInt(digits === '' ? '0' : digits);
  return sign === '-' ? -unscaled : unscaled;
}

/** Java's `new BigInteger(byte[])`: big-endian two's complement. */
function fromTwosComplement(bytes: Uint8Array): bigint {
  let n = BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);
  if ((bytes[0]! & 0x80) !== 0) n -= 1n << BigInt(bytes.byteLength * 8);
  return n;
}

/** Java's `BigInteger.toByteArray()`: minimal big-endian two's complement, at least one byte. */
function twosComplement(n: bigint): Buffer {
  let hex = (n < 0n ? -n - 1n : n).toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  // Keep a sign bit of 0 for the magnitude; the negative form is the bitwise complement of |n| - 1.
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  if (n < 0n) for (let i = 0; i < bytes.length; i++) bytes[i] = ~bytes[i]! & 0xff;
  return bytes;
}

/** Java's `BigDecimal.toString()` (Jackson writes DecimalNode with it): scientific when the exponent is small. */
function bigDecimalToString(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  const adjusted = -scale + (digits.length - 1);
  let out: string;
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) out = digits;
    else if (digits.length > scale)
      out = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    else out = `0.${'0'.repeat(scale - digits.length)}${digits}`;
  } else {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
  }
  return negative ? `-${out}` : out;
}

/**
 * A JSON string as Jackson writes it: only `"`, `\` and control characters escaped, `\u00XX` in upper case.
 * `JSON.stringify` escapes the same characters the same way but writes `\u00xx` in lower case and escapes lone
 * surrogates (which Jackson leaves to the UTF-8 encoder, as this converter does): those escapes are rewritten,
 * and only when there are any, so the usual string costs one native call.
 */
export function quote(s: string): string {
  const json = JSON.stringify(s);
  return json.includes('\\u') ? json.replace(UNICODE_ESCAPE, jacksonEscape) : json;
}

/** Every escape of `JSON.stringify`'s output, one at a time, so that `\\u` (an escaped `\`) is never misread. */
const UNICODE_ESCAPE = /\\(?:u([0-9a-f]{4})|[^u])/g;

function jacksonEscape(sequence: string, hex: string | undefined): string {
  if (hex === undefined) return sequence;
  const code = Number.parseInt(hex, 16);
  return code >= 0xd800 && code <= 0xdfff ? String.fromCharCode(code) : `\\u${hex.toUpperCase()}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function invalid(path: string, type: string, value: unknown): ConversionProblem {
  return new ConversionProblem(path, `invalid value for ${type}: ${describe(value)}`);
}
