import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Schema } from '@outflow/relay-core';
import { parseJson } from '../src/outbox/json-parse.ts';
import { expandJsonPayload, type JsonExpansion } from '../src/outbox/json-payload.ts';

function ok(result: JsonExpansion): { schema: Schema; value: Record<string, unknown> } {
  assert.ok(result.ok, `expected an expansion, got: ${result.ok ? '' : result.reason}`);
  return result;
}

function failed(result: JsonExpansion, reason: RegExp): void {
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.reason, reason);
}

const opt = (type: Schema['type']): Schema => ({ type, optional: true }) as Schema;
const expand = (text: string, nulls: 'ignore' | 'optional_bytes' = 'ignore') =>
  expandJsonPayload(text, 'payload', nulls);

describe('JSON payload expansion (Debezium JsonSchemaData)', () => {
  it('infers primitive types: int32, int64, float64, string, boolean', () => {
    const { schema, value } = ok(
      expand('{"i":1,"l":3000000000,"big":9007199254740993,"f":1.0,"e":1e3,"s":"x","b":false}'),
    );
    assert.deepEqual(schema, {
      type: 'struct',
      optional: true,
      name: 'payload',
      fields: [
        { name: 'i', schema: opt('int32') },
        { name: 'l', schema: opt('int64') },
        { name: 'big', schema: opt('int64') },
        { name: 'f', schema: opt('float64') },
        { name: 'e', schema: opt('float64') },
        { name: 's', schema: opt('string') },
        { name: 'b', schema: opt('boolean') },
      ],
    });
    assert.deepEqual(value, { i: 1, l: 3000000000, big: 9007199254740993n, f: 1, e: 1000, s: 'x', b: false });
  });

  it('fails on an integer beyond int64, as Connect rejects the decimal', () => {
    failed(expand('{"n":92233720368547758070}'), /does not fit/);
  });

  it('names nested structs after their path and keeps key order as written', () => {
    const { schema, value } = ok(expand('{"b":{"z":1,"1":2},"a":true}'));
    assert.equal(schema.fields?.[0]?.name, 'b');
    assert.equal(schema.fields?.[0]?.schema.name, 'payload.b');
    assert.deepEqual(
      schema.fields?.[0]?.schema.fields?.map((f) => f.name),
      ['z', '1'],
    );
    assert.deepEqual(Object.keys(value), ['b', 'a']);
  });

  it('null fields: left out (ignore) or optional bytes (optional_bytes)', () => {
    assert.deepEqual(ok(expand('{"a":null,"b":1}')).value, { b: 1 });
    const kept = ok(expand('{"a":null,"b":1}', 'optional_bytes'));
    assert.deepEqual(kept.value, { a: null, b: 1 });
    assert.deepEqual(kept.schema.fields?.[0], { name: 'a', schema: opt('bytes') });
  });

  it('arrays: empty ones left out, homogeneous ones typed by their first element', () => {
    const { schema, value } = ok(expand('{"none":[],"tags":["a",null,"b"],"n":[1,2]}'));
    assert.deepEqual(schema.fields, [
      { name: 'tags', schema: { type: 'array', optional: true, items: opt('string') } },
      { name: 'n', schema: { type: 'array', optional: true, items: opt('int32') } },
    ]);
    assert.deepEqual(value, { tags: ['a', null, 'b'], n: [1, 2] });
  });

  it('arrays mixing types or number types fail the expansion', () => {
    failed(expand('{"a":[1,"x"]}'), /mixes number and string/);
    failed(expand('{"a":[1,3000000000]}'), /mixes number types/);
    failed(expand('{"a":[1,2.5]}'), /mixes number types/);
    failed(expand('{"a":[null]}'), /cannot be inferred/);
    assert.deepEqual(ok(expand('{"a":[null]}', 'optional_bytes')).value, { a: [null] });
  });

  it('arrays of objects: one shape stays optional, several shapes merge into a required struct', () => {
    const same = ok(expand('{"items":[{"id":1},{"id":2}]}'));
    assert.deepEqual(same.schema.fields?.[0]?.schema.items, {
      type: 'struct',
      optional: true,
      name: 'payload.items',
      fields: [{ name: 'id', schema: opt('int32') }],
    });
    const merged = ok(
      expand('{"items":[{"id":1,"note":null},{"id":2,"sku":"x"},{"note":"n"}]}', 'optional_bytes'),
    );
    assert.deepEqual(merged.schema.fields?.[0]?.schema.items, {
      type: 'struct',
      optional: false,
      name: 'payload.items',
      fields: [
        { name: 'id', schema: opt('int32') },
        { name: 'note', schema: opt('string') },
        { name: 'sku', schema: opt('string') },
      ],
    });
    assert.deepEqual(merged.value, {
      items: [
        { id: 1, note: null, sku: null },
        { id: 2, note: null, sku: 'x' },
        { id: null, note: 'n', sku: null },
      ],
    });
    failed(expand('{"items":[{"id":1},null,{"sku":"x"}]}'), /not optional/);
    failed(expand('{"items":[{"id":1},{"id":"x"}]}'), /does not fit/);
  });

  it('only text starting with { or [ is parsed, and only an object becomes a struct', () => {
    failed(expand('hello'), /starting with 'h'/);
    failed(expand(' {"a":1}'), /starting with ' '/);
    failed(expand(''), /empty/);
    failed(expand('[1,2]'), /only a JSON object/);
    failed(expand('{"a":1'), /invalid JSON/);
    failed(expand('{"a":1} x'), /invalid JSON/);
    assert.deepEqual(ok(expand('{}')).value, {});
  });
});

describe('JSON parser', () => {
  it('keeps number kinds and rejects what RFC 8259 rejects', () => {
    assert.deepEqual(parseJson('[0,-1,2147483648,1.5,"\\u00e9\\n"]'), {
      type: 'array',
      items: [
        { type: 'number', kind: 'int', text: '0' },
        { type: 'number', kind: 'int', text: '-1' },
        { type: 'number', kind: 'long', text: '2147483648' },
        { type: 'number', kind: 'double', text: '1.5' },
        { type: 'string', value: 'é\n' },
      ],
    });
    for (const bad of ['01', '[1,]', "{'a':1}", '"\u0001"', 'nul', '{"a" 1}', '"\\x"', '-', '1.']) {
      assert.throws(() => parseJson(bad), SyntaxError, bad);
    }
  });

  it('keeps the last of duplicate keys at the first key’s place', () => {
    const node = parseJson('{"a":1,"b":2,"a":3}');
    assert.equal(node.type, 'object');
    if (node.type === 'object') assert.deepEqual([...node.entries.keys()], ['a', 'b']);
  });
});
