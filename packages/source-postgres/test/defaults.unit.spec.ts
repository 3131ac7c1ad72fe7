import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnDefault } from '../src/decoder/defaults.ts';
import { columnType, DEFAULT_TYPE_MODES, Oid } from '../src/decoder/values.ts';

const numericMod = (precision: number, scale: number) => ((precision << 16) | scale) + 4;
const dflt = (oid: number, expression: string | null, typeMod = -1) =>
  columnDefault(oid, expression, columnType(oid, typeMod, false, DEFAULT_TYPE_MODES));

describe('PostgreSQL column defaults (Debezium PostgresDefaultValueConverter)', () => {
  it('reads literals, bare or quoted and cast', () => {
    assert.equal(dflt(Oid.int4, '42'), 42);
    assert.equal(dflt(Oid.int4, "'-1'::integer"), -1);
    assert.equal(dflt(Oid.int8, "'9223372036854775807'::bigint"), 9223372036854775807n);
    assert.equal(dflt(Oid.bool, 'true'), true);
    assert.equal(dflt(Oid.text, "'abc'::text"), 'abc');
    assert.equal(dflt(Oid.varchar, "'x y'::character varying"), 'x y');
    assert.equal(dflt(Oid.float8, '1.5'), 1.5);
    assert.deepEqual([...(dflt(Oid.numeric, '12.5', numericMod(10, 2)) as Uint8Array)], [0x04, 0xe2]);
    assert.equal(dflt(Oid.date, "'2024-02-29'::date"), 19782);
    assert.equal(
      dflt(Oid.timestamptz, "'2024-01-02 03:04:05+00'::timestamp with time zone", 3),
      '2024-01-02T03:04:05.000Z',
    );
  });

  it('gives the placeholder of a generated default (function call, CURRENT_TIMESTAMP)', () => {
    assert.equal(dflt(Oid.int4, "nextval('t_id_seq'::regclass)"), 0);
    assert.equal(dflt(Oid.timestamptz, 'now()', 0), '1970-01-01T00:00:00Z');
    assert.equal(dflt(Oid.timestamptz, 'CURRENT_TIMESTAMP', 0), '1970-01-01T00:00:00Z');
    assert.equal(dflt(Oid.timestamp, 'now()'), 0);
    assert.equal(dflt(Oid.uuid, 'gen_random_uuid()'), '00000000-0000-0000-0000-000000000000');
  });

  it('has none for NULL, unmapped types and variable-scale numerics', () => {
    assert.equal(dflt(Oid.int4, null), undefined);
    assert.equal(dflt(Oid.int4, 'NULL::integer'), undefined);
    assert.equal(dflt(Oid.bytea, "'\\x00'::bytea"), undefined);
    assert.equal(dflt(Oid.numeric, '1.5'), undefined);
  });

  it('reads an enum label before its cast', () => {
    const type = columnType(12345, -1, false, DEFAULT_TYPE_MODES, { enumValues: ['a', 'b'] });
    assert.equal(columnDefault(12345, "'b'::mood", type, true), 'b');
    assert.deepEqual(type.schema, {
      type: 'string',
      optional: false,
      name: 'io.debezium.data.Enum',
      version: 1,
      parameters: { allowed: 'a,b' },
    });
  });
});
