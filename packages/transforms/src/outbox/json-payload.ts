import type { Schema } from '@outflow/relay-core';
import { type JsonNode, parseJson } from './json-parse.ts';

/**
 * Expansion of a string payload into structured data (`table.expand.json.payload=true`), inferring a Connect
 * schema the way Debezium's `JsonSchemaData` does:
 * - only text starting with `{` or `[` is parsed; the document must be an object to become a struct;
 * - objects become optional structs named after their path (`payload`, `payload.address`, …);
 * - strings, booleans → optional string/boolean; integers → int32 when they fit, else int64; other numbers →
 *   float64; integers beyond int64 fail the expansion;
 * - `null` fields are left out of the schema, or typed optional bytes with `optional_bytes`;
 * - empty arrays are left out; other arrays must hold one kind of element (one number type); arrays of
 *   objects get the merge of their elements' struct schemas (a merge of several shapes is not optional);
 * - a value that does not fit the inferred schema fails the expansion.
 * A failed expansion leaves the payload as it was (the transform logs a warning).
 */

/** What to do with JSON `null` when inferring a schema (`table.json.payload.null.behavior`). */
export type JsonNullBehavior = 'ignore' | 'optional_bytes';

/** The outcome of an expansion: the new schema and value, or why the payload stays a string. */
export type JsonExpansion =
  | { readonly ok: true; readonly schema: Schema; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string };

const OPTIONAL_STRING: Schema = { type: 'string', optional: true };
const OPTIONAL_BOOLEAN: Schema = { type: 'boolean', optional: true };
const OPTIONAL_INT32: Schema = { type: 'int32', optional: true };
const OPTIONAL_INT64: Schema = { type: 'int64', optional: true };
const OPTIONAL_FLOAT64: Schema = { type: 'float64', optional: true };
const OPTIONAL_BYTES: Schema = { type: 'bytes', optional: true };

class ExpansionError extends Error {}

/** Parses `text` and infers its schema; `rootName` names the top struct (the payload column's name). */
export function expandJsonPayload(
  text: string,
  rootName: string,
  nullBehavior: JsonNullBehavior,
): JsonExpansion {
  if (!text.startsWith('{') && !text.startsWith('[')) {
    return {
      ok: false,
      reason: text === '' ? 'the payload is empty' : `unable to parse payload starting with '${text[0]}'`,
    };
  }
  let node: JsonNode;
  try {
    node = parseJson(text);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  try {
    const schema = new SchemaInference(nullBehavior).schemaOf(rootName, node);
    if (schema === null || schema.type !== 'struct' || node.type !== 'object')
      return { ok: false, reason: 'only a JSON object can be expanded into a struct' };
    return { ok: true, schema, value: structValue(node, schema) };
  } catch (err) {
    if (err instanceof ExpansionError) return { ok: false, reason: err.message };
    throw err;
  }
}

class SchemaInference {
  readonly nullBehavior: JsonNullBehavior;

  constructor(nullBehavior: JsonNullBehavior) {
    this.nullBehavior = nullBehavior;
  }

  /** `key` is the struct name; Debezium passes no name inside arrays of arrays (and writes "null." below). */
  schemaOf(key: string | null, node: JsonNode): Schema | null {
    switch (node.type) {
      case 'string':
        return OPTIONAL_STRING;
      case 'boolean':
        return OPTIONAL_BOOLEAN;
      case 'number':
        return numberSchema(node.kind);
      case 'array':
        return node.items.length === 0
          ? null
          : { type: 'array', optional: true, items: this.arrayItemSchema(key, node.items) };
      case 'object': {
        const fields: { name: string; schema: Schema }[] = [];
        for (const [name, child] of node.entries) {
          const schema = this.schemaOf(`${key}.${name}`, child);
          if (schema !== null) fields.push({ name, schema });
        }
        return key === null
          ? { type: 'struct', optional: true, fields }
          : { type: 'struct', optional: true, name: key, fields };
      }
      case 'null':
        return this.nullBehavior === 'optional_bytes' ? OPTIONAL_BYTES : null;
    }
  }

  arrayItemSchema(key: string | null, items: readonly JsonNode[]): Schema {
    const sample = firstElement(items);
    if (sample.type !== 'object') {
      const schema = this.schemaOf(null, sample);
      if (schema === null) throw new ExpansionError('an array has elements whose type cannot be inferred');
      return schema;
    }
    const distinct: Schema[] = [];
    for (const item of items) {
      if (item.type !== 'object') continue;
      const schema = this.schemaOf(key, item) as Schema;
      if (!distinct.some((s) => sameSchema(s, schema))) distinct.push(schema);
    }
    let merged: Schema | null = null;
    for (const schema of distinct) merged = merged === null ? schema : mergeStructs(merged, schema);
    return merged as Schema;
  }
}

function numberSchema(kind: string): Schema {
  if (kind === 'int') return OPTIONAL_INT32;
  if (kind === 'long') return OPTIONAL_INT64;
  return OPTIONAL_FLOAT64;
}

/** The first non-null element, after checking that every non-null element has the same JSON (and number) type. */
function firstElement(items: readonly JsonNode[]): JsonNode {
  let ref: JsonNode = { type: 'null' };
  for (const item of items) {
    if (item.type === 'null') continue;
    if (ref.type === 'null') ref = item;
    if (item.type !== ref.type)
      throw new ExpansionError(`an array mixes ${ref.type} and ${item.type} elements`);
    if (ref.type === 'number' && item.type === 'number' && numberSchema(ref.kind) !== numberSchema(item.kind))
      throw new ExpansionError(`an array mixes number types (${ref.text} and ${item.text})`);
  }
  return ref;
}

/**
 * Merges two struct schemas: fields of `left`, then new fields of `right`; a field typed bytes (from a null)
 * takes the type `right` gives it. Like Kafka's `SchemaUtil.copySchemaBasics`, the result keeps the name but
 * not the optional flag.
 */
function mergeStructs(left: Schema, right: Schema): Schema {
  const fields = new Map<string, Schema>();
  for (const f of left.fields ?? []) fields.set(f.name, f.schema);
  for (const f of right.fields ?? []) {
    const old = fields.get(f.name);
    if (old === undefined) fields.set(f.name, f.schema);
    else if (!sameSchema(old, f.schema) && old.type === 'bytes' && f.schema.type !== 'bytes')
      fields.set(f.name, f.schema);
  }
  const merged = [...fields].map(([name, schema]) => ({ name, schema }));
  return left.name === undefined
    ? { type: 'struct', optional: false, fields: merged }
    : { type: 'struct', optional: false, name: left.name, fields: merged };
}

function sameSchema(a: Schema, b: Schema): boolean {
  if (a === b) return true;
  if (a.type !== b.type || a.optional !== b.optional || a.name !== b.name) return false;
  if (a.items !== undefined || b.items !== undefined) {
    if (a.items === undefined || b.items === undefined || !sameSchema(a.items, b.items)) return false;
  }
  const af = a.fields ?? [];
  const bf = b.fields ?? [];
  if (af.length !== bf.length) return false;
  return af.every(
    (f, i) => f.name === bf[i]?.name && sameSchema(f.schema, (bf[i] as { schema: Schema }).schema),
  );
}

/** Builds the struct value: every schema field, null where the document has no such key. */
function structValue(node: JsonNode & { type: 'object' }, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of schema.fields ?? []) {
    const child = node.entries.get(f.name);
    out[f.name] = child === undefined ? null : fieldValue(f.name, child, f.schema);
  }
  return out;
}

/** Converts one node to the schema's type, failing where Connect's value validation would. */
function fieldValue(path: string, node: JsonNode, schema: Schema): unknown {
  if (node.type === 'null') {
    if (!schema.optional)
      throw new ExpansionError(`'${path}' is null but its inferred schema is not optional`);
    return null;
  }
  const mismatch = (): never => {
    throw new ExpansionError(`'${path}' does not fit its inferred ${schema.type} schema`);
  };
  switch (node.type) {
    case 'string':
      return schema.type === 'string' ? node.value : mismatch();
    case 'boolean':
      return schema.type === 'boolean' ? node.value : mismatch();
    case 'number':
      if (node.kind === 'int' && schema.type === 'int32') return Number(node.text);
      if (node.kind === 'long' && schema.type === 'int64') {
        const n = BigInt(node.text);
        return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      if (node.kind === 'double' && schema.type === 'float64') return Number(node.text);
      return mismatch();
    case 'array': {
      if (schema.type !== 'array' || schema.items === undefined) return mismatch();
      const items = schema.items;
      return node.items.map((item, i) => fieldValue(`${path}[${i}]`, item, items));
    }
    case 'object':
      return schema.type === 'struct' ? structValue(node, schema) : mismatch();
  }
}
