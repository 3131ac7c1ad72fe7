/**
 * Kafka Connect's data model, as Debezium's records carry it and JsonConverter writes it.
 * A value is plain JSON-like data: a struct is an object whose keys follow its schema's field order,
 * int64 may be a `number` (when safe) or a `bigint`, bytes are `Uint8Array`.
 */
export type SchemaType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'boolean'
  | 'string'
  | 'bytes'
  | 'array'
  | 'map'
  | 'struct';

/** One field of a struct schema. */
export interface Field {
  readonly name: string;
  readonly schema: Schema;
}

/** A Connect schema. `name`/`version`/`parameters` carry semantic types such as `io.debezium.data.Json`. */
export interface Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  readonly name?: string;
  readonly version?: number;
  readonly doc?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly default?: unknown;
  /** Struct fields, in order. */
  readonly fields?: readonly Field[];
  /** Array element schema. */
  readonly items?: Schema;
  /** Map key and value schemas. */
  readonly keys?: Schema;
  readonly values?: Schema;
}

/** A struct value: field name → value, in schema order. */
export type Struct = Record<string, unknown>;

/** Builds a struct schema. */
export function struct(name: string | undefined, fields: readonly Field[], optional = false): Schema {
  return name === undefined
    ? { type: 'struct', optional, fields }
    : { type: 'struct', optional, name, fields };
}

/** Builds a field. */
export function field(name: string, schema: Schema): Field {
  return { name, schema };
}

/** Primitive schema shorthands. */
export const Schemas = {
  string: (optional = false): Schema => ({ type: 'string', optional }),
  int8: (optional = false): Schema => ({ type: 'int8', optional }),
  int16: (optional = false): Schema => ({ type: 'int16', optional }),
  int32: (optional = false): Schema => ({ type: 'int32', optional }),
  int64: (optional = false): Schema => ({ type: 'int64', optional }),
  float32: (optional = false): Schema => ({ type: 'float32', optional }),
  float64: (optional = false): Schema => ({ type: 'float64', optional }),
  boolean: (optional = false): Schema => ({ type: 'boolean', optional }),
  bytes: (optional = false): Schema => ({ type: 'bytes', optional }),
} as const;

/** Returns the schema of a struct's field, or undefined. */
export function fieldSchema(schema: Schema, name: string): Schema | undefined {
  return schema.fields?.find((f) => f.name === name)?.schema;
}
