import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  columnType,
  DEFAULT_TYPE_MODES,
  Oid,
  parseArray,
  parseDateDays,
  parseIntervalMicros,
  parseTimestampMicros,
  type TypeModes,
  toZonedTime,
  toZonedTimestamp,
  unavailablePlaceholder,
} from '../src/decoder/values.ts';

const convert = (oid: number, text: string, typeMod = -1, modes: TypeModes = DEFAULT_TYPE_MODES) =>
  columnType(oid, typeMod, true, modes).convert(text);
const schemaOf = (oid: number, typeMod = -1, modes: TypeModes = DEFAULT_TYPE_MODES) =>
  columnType(oid, typeMod, false, modes).schema;
const numericMod = (precision: number, scale: number) => ((precision << 16) | scale) + 4;

describe('PostgreSQL text values → Connect values', () => {
  it('maps strings, uuid and json with Debezium semantic names', () => {
    for (const oid of [Oid.text, Oid.varchar, Oid.bpchar, Oid.name]) {
      assert.deepEqual(schemaOf(oid), { type: 'string', optional: false });
      assert.equal(convert(oid, 'abc'), 'abc');
    }
    assert.deepEqual(schemaOf(Oid.uuid), {
      type: 'string',
      optional: false,
      name: 'io.debezium.data.Uuid',
      version: 1,
    });
    assert.equal(schemaOf(Oid.json).name, 'io.debezium.data.Json');
    assert.equal(schemaOf(Oid.jsonb).name, 'io.debezium.data.Json');
    assert.equal(convert(Oid.jsonb, '{"a": 1}'), '{"a": 1}');
  });

  it('maps booleans, integers and floats', () => {
    assert.equal(convert(Oid.bool, 't'), true);
    assert.equal(convert(Oid.bool, 'f'), false);
    assert.equal(schemaOf(Oid.int2).type, 'int16');
    assert.equal(schemaOf(Oid.int4).type, 'int32');
    assert.equal(schemaOf(Oid.int8).type, 'int64');
    assert.equal(convert(Oid.int4, '-2147483648'), -2147483648);
    assert.equal(convert(Oid.int8, '9007199254740991'), 9007199254740991);
    assert.equal(convert(Oid.int8, '-9223372036854775808'), -9223372036854775808n);
    assert.equal(schemaOf(Oid.float4).type, 'float32');
    assert.equal(convert(Oid.float8, '1.5e-7'), 1.5e-7);
    assert.ok(Number.isNaN(convert(Oid.float8, 'NaN')));
    assert.equal(convert(Oid.float8, '-Infinity'), Number.NEGATIVE_INFINITY);
  });

  it('maps numeric(p,s) to Connect Decimal bytes in precise mode', () => {
    assert.deepEqual(schemaOf(Oid.numeric, numericMod(10, 2)), {
      type: 'bytes',
      optional: false,
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', 'connect.decimal.precision': '10' },
    });
    assert.deepEqual([...(convert(Oid.numeric, '12.34', numericMod(10, 2)) as Uint8Array)], [0x04, 0xd2]);
    assert.deepEqual([...(convert(Oid.numeric, '-1.00', numericMod(10, 2)) as Uint8Array)], [0x9c]);
    assert.deepEqual([...(convert(Oid.numeric, '1.28', numericMod(10, 2)) as Uint8Array)], [0x00, 0x80]);
    assert.equal(convert(Oid.numeric, 'NaN', numericMod(10, 2)), null);
  });

  it('maps numeric without a scale to VariableScaleDecimal, and follows decimal.handling.mode', () => {
    const schema = schemaOf(Oid.numeric);
    assert.equal(schema.name, 'io.debezium.data.VariableScaleDecimal');
    assert.deepEqual(
      schema.fields?.map((f) => [f.name, f.schema.type]),
      [
        ['scale', 'int32'],
        ['value', 'bytes'],
      ],
    );
    const v = convert(Oid.numeric, '-0.005') as { scale: number; value: Uint8Array };
    assert.equal(v.scale, 3);
    assert.deepEqual([...v.value], [0xfb]);
    const double = { ...DEFAULT_TYPE_MODES, decimalHandlingMode: 'double' as const };
    assert.equal(schemaOf(Oid.numeric, numericMod(10, 2), double).type, 'float64');
    assert.equal(convert(Oid.numeric, '12.34', numericMod(10, 2), double), 12.34);
    const string = { ...DEFAULT_TYPE_MODES, decimalHandlingMode: 'string' as const };
    assert.equal(convert(Oid.numeric, '12.340', -1, string), '12.340');
  });

  it('maps temporal types by time.precision.mode', () => {
    assert.equal(schemaOf(Oid.timestamptz).name, 'io.debezium.time.ZonedTimestamp');
    assert.equal(convert(Oid.timestamptz, '2024-01-02 03:04:05.5+00'), '2024-01-02T03:04:05.500000Z');
    assert.equal(schemaOf(Oid.timestamp).name, 'io.debezium.time.MicroTimestamp');
    assert.equal(schemaOf(Oid.timestamp, 3).name, 'io.debezium.time.Timestamp');
    assert.equal(convert(Oid.timestamp, '1970-01-01 00:00:01.000002'), 1_000_002);
    assert.equal(convert(Oid.timestamp, '1970-01-01 00:00:01.5', 3), 1500);
    assert.equal(schemaOf(Oid.date).name, 'io.debezium.time.Date');
    assert.equal(convert(Oid.date, '1970-01-02'), 1);
    assert.equal(schemaOf(Oid.time).name, 'io.debezium.time.MicroTime');
    assert.equal(schemaOf(Oid.time, 3).name, 'io.debezium.time.Time');
    assert.equal(convert(Oid.time, '00:00:01.25', 3), 1250);
    const connect = { ...DEFAULT_TYPE_MODES, timePrecisionMode: 'connect' as const };
    assert.equal(schemaOf(Oid.timestamp, -1, connect).name, 'org.apache.kafka.connect.data.Timestamp');
    assert.equal(convert(Oid.timestamp, '1970-01-01 00:00:01.000002', -1, connect), 1000);
    assert.equal(schemaOf(Oid.date, -1, connect).name, 'org.apache.kafka.connect.data.Date');
    const micros = { ...DEFAULT_TYPE_MODES, timePrecisionMode: 'adaptive_time_microseconds' as const };
    assert.equal(schemaOf(Oid.time, 3, micros).name, 'io.debezium.time.MicroTime');
  });

  it('parses dates, timestamps, zoned values and intervals', () => {
    assert.equal(parseDateDays('2000-03-01'), 11017);
    assert.equal(
      parseDateDays('0044-03-15'),
      Math.floor(new Date('0044-03-15T00:00:00Z').getTime() / 86_400_000),
    );
    assert.equal(parseDateDays('infinity'), null);
    assert.equal(parseTimestampMicros('2000-01-01 00:00:00'), 946_684_800_000_000);
    assert.equal(toZonedTimestamp('2024-01-02 03:04:05+02'), '2024-01-02T01:04:05Z');
    assert.equal(toZonedTime('10:15:30.25+02'), '08:15:30.25Z');
    assert.equal(toZonedTimestamp('2024-01-02 03:04:05.25+0530'), '2024-01-01T21:34:05.25Z');
    // Padded to the column's scale, as Debezium's ZonedTimestamp.toIsoString(…, fractionalWidth).
    assert.equal(toZonedTimestamp('2024-01-02 03:04:01+00', 3), '2024-01-02T03:04:01.000Z');
    assert.equal(toZonedTimestamp('2024-01-02 03:04:01.5+00', 6), '2024-01-02T03:04:01.500000Z');
    assert.equal(toZonedTimestamp('2024-01-02 03:04:01.5+00', 0), '2024-01-02T03:04:01.5Z');
    assert.equal(convert(Oid.timestamptz, '2024-01-02 03:04:01+00', 3), '2024-01-02T03:04:01.000Z');
    assert.equal(convert(Oid.timestamptz, '2024-01-02 03:04:01.25+00', -1), '2024-01-02T03:04:01.250000Z');
    assert.equal(convert(Oid.timestamptz, '2024-01-02 03:04:01+00', 0), '2024-01-02T03:04:01Z');
    assert.equal(toZonedTime('23:00:00-02:30'), '01:30:00Z');
    assert.equal(parseIntervalMicros('PT1H2M3.5S'), 3_723_500_000);
    assert.equal(parseIntervalMicros('P1D'), 86_400_000_000);
    assert.equal(parseIntervalMicros('P1M'), Math.round(30.4375 * 86_400_000_000));
  });

  it('maps bytea by binary.handling.mode', () => {
    assert.deepEqual([...(convert(Oid.bytea, '\\x0aff') as Uint8Array)], [0x0a, 0xff]);
    assert.equal(
      convert(Oid.bytea, '\\x0aff', -1, { ...DEFAULT_TYPE_MODES, binaryHandlingMode: 'hex' }),
      '0aff',
    );
    assert.equal(
      convert(Oid.bytea, '\\x0aff', -1, { ...DEFAULT_TYPE_MODES, binaryHandlingMode: 'base64' }),
      'Cv8=',
    );
  });

  it('maps one-dimensional arrays of simple types', () => {
    assert.deepEqual(parseArray('{}'), []);
    assert.deepEqual(parseArray('{a,"b c","d\\"e",NULL,"NULL"}'), ['a', 'b c', 'd"e', null, 'NULL']);
    assert.deepEqual(parseArray('{{1,2},{3,4}}'), ['{1,2}', '{3,4}']);
    assert.deepEqual(schemaOf(1007), {
      type: 'array',
      optional: false,
      items: { type: 'int32', optional: true },
    });
    assert.deepEqual(convert(1007, '{1,NULL,-3}'), [1, null, -3]);
    assert.deepEqual(convert(1009, '{x,"y,z"}'), ['x', 'y,z']);
    assert.deepEqual(convert(2951, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'), [
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    ]);
  });

  it('gives the unavailable-value placeholder in the column’s shape', () => {
    assert.equal(unavailablePlaceholder(schemaOf(Oid.text), '__u'), '__u');
    assert.equal(unavailablePlaceholder(schemaOf(Oid.jsonb), '__u'), '__u');
    assert.deepEqual(
      [...(unavailablePlaceholder(schemaOf(Oid.bytea), '__u') as Uint8Array)],
      [0x5f, 0x5f, 0x75],
    );
    assert.deepEqual(unavailablePlaceholder(schemaOf(1009), '__u'), ['__u']);
    assert.equal(unavailablePlaceholder(schemaOf(Oid.int4), '__u'), null);
  });
});
