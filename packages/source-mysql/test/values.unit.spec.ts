import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ColumnMeta,
  columnSchema,
  DEFAULT_TYPE_MODES,
  parseMembers,
  valueKindOf,
} from '../src/column-types.ts';
import {
  bitsToLittleEndian,
  convertValue,
  formatUuidBytes,
  parseDateDays,
  parseDateTimeMicros,
  parseTimeMicros,
  toZonedTimestamp,
} from '../src/values.ts';

function col(dataType: string, extra: Partial<ColumnMeta> = {}): ColumnMeta {
  return {
    name: 'c',
    dataType,
    columnType: dataType,
    nullable: true,
    defaultValue: null,
    defaultIsExpression: false,
    unsigned: false,
    precision: null,
    scale: null,
    fsp: 0,
    length: null,
    json: false,
    members: [],
    ...extra,
  };
}

function convert(raw: unknown, column: ColumnMeta, modes = DEFAULT_TYPE_MODES) {
  return convertValue(raw, valueKindOf(column, modes), column, modes);
}

describe('column type mapping', () => {
  it('maps integers like Debezium (TINYINT(1) stays int16)', () => {
    assert.deepEqual(columnSchema(col('tinyint', { columnType: 'tinyint(1)' })), {
      type: 'int16',
      optional: true,
    });
    assert.equal(columnSchema(col('smallint', { unsigned: true })).type, 'int32');
    assert.equal(columnSchema(col('int')).type, 'int32');
    assert.equal(columnSchema(col('int', { unsigned: true })).type, 'int64');
    assert.equal(columnSchema(col('bigint')).type, 'int64');
    assert.equal(columnSchema(col('mediumint')).type, 'int32');
  });

  it('maps DECIMAL by decimal.handling.mode', () => {
    const d = col('decimal', { precision: 10, scale: 2 });
    assert.deepEqual(columnSchema(d), {
      type: 'bytes',
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', 'connect.decimal.precision': '10' },
      optional: true,
    });
    assert.equal(columnSchema(d, { ...DEFAULT_TYPE_MODES, decimalHandlingMode: 'double' }).type, 'float64');
    assert.equal(columnSchema(d, { ...DEFAULT_TYPE_MODES, decimalHandlingMode: 'string' }).type, 'string');
    assert.equal(convert('-123.45', d, { ...DEFAULT_TYPE_MODES, decimalHandlingMode: 'double' }), -123.45);
    assert.equal(convert('-123.45', d, { ...DEFAULT_TYPE_MODES, decimalHandlingMode: 'string' }), '-123.45');
  });

  it('maps temporal types by precision', () => {
    assert.equal(columnSchema(col('date')).name, 'io.debezium.time.Date');
    assert.equal(columnSchema(col('datetime', { fsp: 3 })).name, 'io.debezium.time.Timestamp');
    assert.equal(columnSchema(col('datetime', { fsp: 6 })).name, 'io.debezium.time.MicroTimestamp');
    assert.equal(columnSchema(col('timestamp')).name, 'io.debezium.time.ZonedTimestamp');
    assert.equal(columnSchema(col('time')).name, 'io.debezium.time.MicroTime');
    assert.equal(columnSchema(col('year')).name, 'io.debezium.time.Year');
    const connect = { ...DEFAULT_TYPE_MODES, timePrecisionMode: 'connect' as const };
    assert.equal(
      columnSchema(col('datetime', { fsp: 6 }), connect).name,
      'org.apache.kafka.connect.data.Timestamp',
    );
    assert.equal(columnSchema(col('time'), connect).type, 'int32');
  });

  it('maps JSON, ENUM, SET, BIT, binary and text', () => {
    assert.deepEqual(columnSchema(col('longtext', { json: true, nullable: false })), {
      type: 'string',
      name: 'io.debezium.data.Json',
      version: 1,
      optional: false,
    });
    assert.deepEqual(columnSchema(col('enum', { members: ['a', 'b'] })).parameters, { allowed: 'a,b' });
    assert.equal(columnSchema(col('set', { members: ['x'] })).name, 'io.debezium.data.EnumSet');
    assert.equal(columnSchema(col('bit', { precision: 1 })).type, 'boolean');
    assert.equal(columnSchema(col('bit', { precision: 5 })).name, 'io.debezium.data.Bits');
    assert.equal(columnSchema(col('blob')).type, 'bytes');
    assert.equal(
      columnSchema(col('blob'), { ...DEFAULT_TYPE_MODES, binaryHandlingMode: 'hex' }).type,
      'string',
    );
    assert.equal(columnSchema(col('varchar')).type, 'string');
    assert.equal(columnSchema(col('uuid')).type, 'string');
    assert.equal(
      columnSchema(col('uuid')).name,
      'io.debezium.data.Uuid',
      'as the MariaDB connector names it',
    );
  });

  it('gives defaults as Debezium does (CURRENT_TIMESTAMP on NOT NULL TIMESTAMP → epoch)', () => {
    assert.equal(
      columnSchema(
        col('timestamp', { nullable: false, defaultValue: 'current_timestamp()', defaultIsExpression: true }),
      ).default,
      '1970-01-01T00:00:00Z',
    );
    assert.equal(
      columnSchema(col('timestamp', { defaultValue: 'current_timestamp()', defaultIsExpression: true }))
        .default,
      undefined,
    );
    assert.equal(columnSchema(col('varchar', { defaultValue: 'x' })).default, 'x');
    assert.equal(columnSchema(col('int', { defaultValue: '7' })).default, 7);
    assert.equal(columnSchema(col('varchar')).default, undefined);
  });

  it('parses ENUM/SET members with quoting', () => {
    assert.deepEqual(parseMembers("enum('a','b''c','d,e')"), ['a', "b'c", 'd,e']);
    assert.deepEqual(parseMembers("set('x')"), ['x']);
  });
});

describe('value decoders', () => {
  it('decodes dates, datetimes, timestamps and times', () => {
    assert.equal(parseDateDays('1970-01-01'), 0);
    assert.equal(parseDateDays('2024-02-29'), 19782);
    assert.equal(parseDateDays('1969-12-31'), -1);
    assert.equal(parseDateDays('0000-00-00'), null);
    assert.equal(parseDateTimeMicros('1970-01-01 00:00:01.5'), 1_500_000);
    assert.equal(
      parseDateTimeMicros('2024-02-29 10:11:12.123456'),
      Date.UTC(2024, 1, 29, 10, 11, 12) * 1000 + 123456,
    );
    assert.equal(toZonedTimestamp('2023-02-17 01:53:42', 0), '2023-02-17T01:53:42Z');
    assert.equal(toZonedTimestamp('2023-02-17 01:53:42.5', 3), '2023-02-17T01:53:42.500Z');
    // The snapshot (JDBC) path of Debezium writes the shortest fraction (parity run, MariaDB connector 3.5).
    assert.equal(toZonedTimestamp('2024-02-29 12:34:56.100', 3, false), '2024-02-29T12:34:56.1Z');
    assert.equal(toZonedTimestamp('2024-01-01 00:00:01.000', 3, false), '2024-01-01T00:00:01Z');
    assert.equal(toZonedTimestamp('0000-00-00 00:00:00', 0), null);
    assert.equal(parseTimeMicros('-01:02:03.5'), -(3723 * 1_000_000 + 500_000));
    assert.equal(parseTimeMicros('838:59:59'), 838 * 3600 * 1_000_000 + 59 * 60 * 1_000_000 + 59 * 1_000_000);
  });

  it('turns zero dates into null (nullable) or the epoch (NOT NULL)', () => {
    assert.equal(convert('0000-00-00', col('date')), null);
    assert.equal(convert('0000-00-00', col('date', { nullable: false })), 0);
    assert.equal(
      convert('0000-00-00 00:00:00', col('timestamp', { nullable: false })),
      '1970-01-01T00:00:00Z',
    );
  });

  it('decodes BIT, UUID bytes and binary modes from hand-built bytes', () => {
    assert.equal(convert(Buffer.from([0x01]), col('bit', { precision: 1 })), true);
    assert.equal(convert(Buffer.from([0x00]), col('bit', { precision: 1 })), false);
    assert.deepEqual([...bitsToLittleEndian(Uint8Array.from([0x01, 0x02]))], [0x02, 0x01]);
    assert.deepEqual([...(convert("b'101'", col('bit', { precision: 3 })) as Uint8Array)], [5]);
    const uuid = Buffer.from('858685f3e89d11f1b3bc02fc00000001', 'hex');
    assert.equal(formatUuidBytes(uuid), '858685f3-e89d-11f1-b3bc-02fc00000001');
    assert.equal(convert(uuid, col('uuid')), '858685f3-e89d-11f1-b3bc-02fc00000001');
    assert.equal(
      convert(Buffer.from([0, 255]), col('blob'), { ...DEFAULT_TYPE_MODES, binaryHandlingMode: 'hex' }),
      '00ff',
    );
    assert.equal(
      convert(Buffer.from([0, 255]), col('blob'), { ...DEFAULT_TYPE_MODES, binaryHandlingMode: 'base64' }),
      'AP8=',
    );
    assert.deepEqual([...(convert(Buffer.from([1, 2]), col('varbinary')) as Uint8Array)], [1, 2]);
  });

  it('passes strings, JSON text, ENUM and SET through', () => {
    assert.equal(convert('héllo', col('varchar')), 'héllo');
    assert.equal(convert('{"a":1}', col('longtext', { json: true })), '{"a":1}');
    assert.equal(convert('x,y', col('set', { members: ['x', 'y'] })), 'x,y');
    assert.equal(convert(null, col('varchar')), null);
  });
});
