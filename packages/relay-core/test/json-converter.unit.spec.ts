import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createJsonConverter, field, type Schema, Schemas, struct } from '../src/index.ts';
import { javaFloatingPoint, quote } from '../src/json-converter.ts';

const seedCreate = readFileSync(new URL('./fixtures/seed-create.json', import.meta.url), 'utf8');

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

/** The seed's `dbserver1.course.outbox` row, source block and envelope, as Debezium 1.4 built them. */
function seedSchema(): Schema {
  const row = struct(
    'dbserver1.course.outbox.Value',
    [
      field('id', Schemas.string()),
      field('aggregate_type', Schemas.string()),
      field('aggregate_id', Schemas.string()),
      field('type', Schemas.string()),
      field('payload', named('string', 'io.debezium.data.Json', false)),
      field(
        'timestamp',
        named('string', 'io.debezium.time.ZonedTimestamp', false, { default: '1970-01-01T00:00:00Z' }),
      ),
    ],
    true,
  );
  const source = struct('io.debezium.connector.mysql.Source', [
    field('version', Schemas.string()),
    field('connector', Schemas.string()),
    field('name', Schemas.string()),
    field('ts_ms', Schemas.int64()),
    field(
      'snapshot',
      named('string', 'io.debezium.data.Enum', true, {
        parameters: { allowed: 'true,last,false' },
        default: 'false',
      }),
    ),
    field('db', Schemas.string()),
    field('table', Schemas.string(true)),
    field('server_id', Schemas.int64()),
    field('gtid', Schemas.string(true)),
    field('file', Schemas.string()),
    field('pos', Schemas.int64()),
    field('row', Schemas.int32()),
    field('thread', Schemas.int64(true)),
    field('query', Schemas.string(true)),
  ]);
  const transaction = struct(
    undefined,
    [
      field('id', Schemas.string()),
      field('total_order', Schemas.int64()),
      field('data_collection_order', Schemas.int64()),
    ],
    true,
  );
  return struct('dbserver1.course.outbox.Envelope', [
    field('before', row),
    field('after', row),
    field('source', source),
    field('op', Schemas.string()),
    field('ts_ms', Schemas.int64(true)),
    field('transaction', transaction),
  ]);
}

const seedPayload = {
  before: null,
  after: {
    id: '33319dbb-358c-4f06-8e60-c82b81eab769',
    aggregate_type: 'Course',
    aggregate_id: 'bc32dd3f-2334-43d9-9493-71b538510efe',
    type: 'CoursePostedEvent',
    payload:
      '{"name":"MSA 파헤치기","posted":true,"courseId":"bc32dd3f-2334-43d9-9493-71b538510efe","teacherId":"7ead2ed1-77fa-4d70-bdfd-77e67c513bbd","thumbnail":"msa_course.jpeg","description":"MSA의 모든 것을 가르쳐 드립니다.","registeredAt":1676458941000,"lastUpdatedAt":1676598812000}',
    timestamp: '2023-02-17T01:53:42Z',
  },
  source: {
    version: '1.4.2.Final',
    connector: 'mysql',
    name: 'dbserver1',
    ts_ms: 1676598822000,
    snapshot: 'false',
    db: 'course',
    table: 'outbox',
    server_id: 1n,
    gtid: null,
    file: 'binlog.000015',
    pos: 13396,
    row: 0,
    thread: 518,
    query: null,
  },
  op: 'c',
  ts_ms: 1676598823103n,
  transaction: null,
};

const withSchemas = createJsonConverter({ schemasEnable: true });
const schemaless = createJsonConverter({ schemasEnable: false });
const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

describe('JsonConverter', () => {
  it('writes the seed create event byte for byte as Connect did', () => {
    const bytes = withSchemas.fromConnectData('dbserver1.course.outbox', seedSchema(), seedPayload);
    assert.ok(bytes);
    assert.equal(bytes.toString('utf8'), seedCreate);
    assert.ok(bytes.equals(Buffer.from(seedCreate, 'utf8')));
  });

  it('writes only the payload when schemas are disabled', () => {
    const expected = JSON.stringify(JSON.parse(seedCreate).payload);
    assert.equal(text(schemaless.fromConnectData('t', seedSchema(), seedPayload)), expected);
  });

  it('writes schemaless data with a null schema', () => {
    const value = { a: 1, b: [true, 'x', null], c: { d: 2.5 }, e: 12345678901234567890n };
    assert.equal(
      text(schemaless.fromConnectData('t', null, value)),
      '{"a":1,"b":[true,"x",null],"c":{"d":2.5},"e":12345678901234567890}',
    );
    assert.equal(text(withSchemas.fromConnectData('t', null, 'k')), '{"schema":null,"payload":"k"}');
    assert.equal(
      text(withSchemas.fromConnectData('t', null, new Map([[1, 'a']]))),
      '{"schema":null,"payload":[[1,"a"]]}',
    );
  });

  it('returns a null buffer for a null value (tombstone), with or without a schema', () => {
    assert.equal(withSchemas.fromConnectData('t', null, null), null);
    assert.equal(schemaless.fromConnectData('t', null, null), null);
    assert.equal(withSchemas.fromConnectData('t', seedSchema(), null), null);
  });

  it('writes bytes as base64', () => {
    const schema = struct('b', [field('data', Schemas.bytes())]);
    assert.equal(
      text(schemaless.fromConnectData('t', schema, { data: new Uint8Array([0, 1, 2, 250, 255]) })),
      '{"data":"AAEC+v8="}',
    );
    assert.equal(
      text(withSchemas.fromConnectData('t', Schemas.bytes(), Buffer.from('hi'))),
      '{"schema":{"type":"bytes","optional":false},"payload":"aGk="}',
    );
  });

  it('writes int64 values exactly, beyond 2^53', () => {
    const schema = Schemas.int64();
    assert.equal(text(schemaless.fromConnectData('t', schema, 9223372036854775807n)), '9223372036854775807');
    assert.equal(
      text(schemaless.fromConnectData('t', schema, -9223372036854775808n)),
      '-9223372036854775808',
    );
    assert.equal(text(schemaless.fromConnectData('t', schema, 2 ** 60)), '1152921504606846976');
    assert.throws(() => schemaless.fromConnectData('t', schema, 9223372036854775808n), {
      code: 'TRANSFORM_FAILED',
    });
    assert.throws(() => schemaless.fromConnectData('t', Schemas.int32(), 1.5), { code: 'TRANSFORM_FAILED' });
  });

  it("writes decimals as base64 of the unscaled two's complement, or as numbers", () => {
    const decimal = (scale: number): Schema => ({
      type: 'bytes',
      optional: false,
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: String(scale), 'connect.decimal.precision': '10' },
    });
    const b64 = (hex: string): string => `"${Buffer.from(hex, 'hex').toString('base64')}"`;
    const cases: [unknown, number, string][] = [
      ['0', 2, '00'],
      ['1.00', 2, '64'],
      ['1.28', 2, '0080'],
      ['-1.28', 2, '80'],
      ['-1.29', 2, 'ff7f'],
      ['-0.01', 2, 'ff'],
      ['12345.678', 3, '00bc614e'],
      [-12345678n, 3, 'ff439eb2'],
      [12.5, 2, '04e2'],
      ['1.5E+2', 0, '0096'],
    ];
    for (const [value, scale, hex] of cases) {
      assert.equal(
        text(schemaless.fromConnectData('t', decimal(scale), value)),
        b64(hex),
        `${String(value)}`,
      );
    }
    assert.throws(() => schemaless.fromConnectData('t', decimal(1), '1.25'), { code: 'TRANSFORM_FAILED' });
    assert.equal(
      text(withSchemas.fromConnectData('t', decimal(2), '-1.5')),
      '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"}},"payload":"/2o="}',
    );
    const numeric = createJsonConverter({ schemasEnable: false, decimalFormat: 'NUMERIC' });
    assert.equal(text(numeric.fromConnectData('t', decimal(2), '-1.5')), '-1.50');
    // Sources hand in the unscaled bytes they already encoded (what crashed the task before).
    assert.equal(text(schemaless.fromConnectData('t', decimal(2), Uint8Array.from([0xff, 0x6a]))), '"/2o="');
    assert.equal(text(numeric.fromConnectData('t', decimal(2), Uint8Array.from([0xff, 0x6a]))), '-1.50');
    assert.equal(
      text(numeric.fromConnectData('t', decimal(3), Uint8Array.from([0x00, 0xbc, 0x61, 0x4e]))),
      '12345.678',
    );
    assert.throws(() => schemaless.fromConnectData('t', decimal(2), new Uint8Array(0)), {
      code: 'TRANSFORM_FAILED',
    });
    assert.equal(text(numeric.fromConnectData('t', decimal(9), '0.000000012')), '1.2E-8');
  });

  it("names float32/float64 schemas as JsonConverter does: 'float' and 'double'", () => {
    const schema = struct('r', [field('f', Schemas.float32(true)), field('d', Schemas.float64())]);
    assert.equal(
      text(withSchemas.fromConnectData('t', schema, { f: 1.5, d: 2 })),
      '{"schema":{"type":"struct","fields":[{"type":"float","optional":true,"field":"f"},{"type":"double","optional":false,"field":"d"}],"optional":false,"name":"r"},"payload":{"f":1.5,"d":2.0}}',
    );
  });

  it('writes floats as Java does, NaN and infinities quoted', () => {
    assert.equal(text(schemaless.fromConnectData('t', Schemas.float64(), 1)), '1.0');
    assert.equal(text(schemaless.fromConnectData('t', Schemas.float64(), Number.NaN)), '"NaN"');
    assert.equal(
      text(schemaless.fromConnectData('t', Schemas.float64(), Number.NEGATIVE_INFINITY)),
      '"-Infinity"',
    );
    assert.equal(
      text(schemaless.fromConnectData('t', Schemas.float32(), Number.POSITIVE_INFINITY)),
      '"Infinity"',
    );
    const doubles: [number, string][] = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1.5, '1.5'],
      [-2.25, '-2.25'],
      [0.001, '0.001'],
      [0.0001, '1.0E-4'],
      [1234567.5, '1234567.5'],
      [1e7, '1.0E7'],
      [12345678.9, '1.23456789E7'],
      [0.1 + 0.2, '0.30000000000000004'],
      [Number.MAX_VALUE, '1.7976931348623157E308'],
      [Number.MIN_VALUE, '4.9E-324'],
      [1e21, '1.0E21'],
      [-1.5e-10, '-1.5E-10'],
    ];
    for (const [x, expected] of doubles) assert.equal(javaFloatingPoint(x, false), expected, String(x));
    const floats: [number, string][] = [
      [0.1, '0.1'],
      [1.1, '1.1'],
      [3.4028234663852886e38, '3.4028235E38'],
      [1e-45, '1.4E-45'],
      [16777216, '1.6777216E7'],
      [100, '100.0'],
    ];
    for (const [x, expected] of floats) assert.equal(javaFloatingPoint(x, true), expected, String(x));
  });

  it('escapes strings as Jackson does', () => {
    assert.equal(
      text(schemaless.fromConnectData('t', Schemas.string(), 'a"b\\c\n\t\u0001\u001f/é😀')),
      '"a\\"b\\\\c\\n\\t\\u0001\\u001F/é😀"',
    );
    // An escaped backslash before a `u` stays as it is; a lone surrogate is left to the UTF-8 encoder.
    assert.equal(quote('\\u00e9 \u007f \u2028'), '"\\\\u00e9 \u007f \u2028"');
    assert.equal(quote('a\ud800b\udc00'), '"a\ud800b\udc00"');
    assert.equal(quote('\u000b\\\u000b'), '"\\u000B\\\\\\u000B"');
  });

  it('escapes any string exactly as the rule says (random strings)', () => {
    // Jackson's rule, written out: `"` and `\` escaped, \b \t \n \f \r by name, other controls as \u00XX.
    const named: Record<string, string> = {
      '"': '\\"',
      '\\': '\\\\',
      '\b': '\\b',
      '\t': '\\t',
      '\n': '\\n',
      '\f': '\\f',
      '\r': '\\r',
    };
    const rule = (x: string) =>
      `"${[...x]
        .map(
          (c) =>
            named[c] ??
            (c.charCodeAt(0) < 0x20
              ? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
              : c),
        )
        .join('')}"`;
    const alphabet = [
      'a',
      'u',
      '0',
      'e',
      '"',
      '\\',
      '\n',
      '\u0000',
      '\u001f',
      '\ud800',
      '\udfff',
      '😀',
      'é',
      '\u2028',
    ];
    let seed = 7;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const x = Array.from({ length: next() % 12 }, () => alphabet[next() % alphabet.length]).join('');
      assert.equal(quote(x), rule(x), JSON.stringify(x));
    }
  });

  it('writes arrays, maps and schema defaults in Connect order', () => {
    const schema: Schema = struct('s', [
      field('list', { type: 'array', optional: false, items: Schemas.int32() }),
      field('smap', { type: 'map', optional: true, keys: Schemas.string(), values: Schemas.int64() }),
      field('imap', { type: 'map', optional: true, keys: Schemas.int32(), values: Schemas.string() }),
      field('withDefault', { type: 'int32', optional: false, default: 7, doc: 'seven' }),
    ]);
    const value = { list: [1, 2], smap: { a: 1n }, imap: new Map([[3, 'c']]), withDefault: null };
    assert.equal(
      text(withSchemas.fromConnectData('t', schema, value)),
      '{"schema":{"type":"struct","fields":[' +
        '{"type":"array","items":{"type":"int32","optional":false},"optional":false,"field":"list"},' +
        '{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int64","optional":false},"optional":true,"field":"smap"},' +
        '{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"string","optional":false},"optional":true,"field":"imap"},' +
        '{"type":"int32","optional":false,"doc":"seven","default":7,"field":"withDefault"}],' +
        '"optional":false,"name":"s"},' +
        '"payload":{"list":[1,2],"smap":{"a":1},"imap":[[3,"c"]],"withDefault":7}}',
    );
  });

  it('writes Connect logical dates and timestamps as their integers', () => {
    const date: Schema = {
      type: 'int32',
      optional: false,
      name: 'org.apache.kafka.connect.data.Date',
      version: 1,
    };
    const ts: Schema = {
      type: 'int64',
      optional: false,
      name: 'org.apache.kafka.connect.data.Timestamp',
      version: 1,
    };
    assert.equal(text(schemaless.fromConnectData('t', date, new Date('2023-02-17T00:00:00Z'))), '19405');
    assert.equal(text(schemaless.fromConnectData('t', ts, new Date(1676598823103))), '1676598823103');
  });

  it('rejects a missing required field, naming its path', () => {
    const schema = struct('s', [field('inner', struct('i', [field('x', Schemas.string())]))]);
    assert.throws(
      () => schemaless.fromConnectData('topic-a', schema, { inner: {} }),
      (error: unknown) => {
        const e = error as { code: string; details: { path: string; topic: string } };
        return e.code === 'TRANSFORM_FAILED' && e.details.path === 'inner.x' && e.details.topic === 'topic-a';
      },
    );
  });
});
