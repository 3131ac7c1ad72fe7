import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ComparedRecord, compareRecords } from './diff.ts';

const record = (value: unknown, headers: [string, string][] = []): ComparedRecord => ({
  topic: 'P_raw.db.t',
  key: '{"payload":{"id":1}}',
  value: JSON.stringify(value),
  headers,
});

describe('parity diff', () => {
  it('sets processing times and the version apart, and reports any other difference by path', () => {
    const schema = { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'a' }] };
    const dbz = record({
      schema,
      payload: { op: 'c', ts_ms: 1, source: { version: '3.5.0.Final' }, after: { a: 1 } },
    });
    const ofl = record({
      schema: { type: 'struct', fields: [{ type: 'int64', optional: false, field: 'a' }] },
      payload: { op: 'c', ts_ms: 2, source: { version: '3.0.0-outflow' }, after: { a: 2 } },
    });
    const result = compareRecords([dbz], [ofl]);
    assert.equal(result.pairs, 1);
    assert.equal(result.identicalPairs, 0);
    assert.deepEqual(
      result.differences.map((d) => [d.path, d.expected === undefined]),
      [
        ['value.schema.fields[a].type', true],
        ['value.payload.ts_ms', false],
        ['value.payload.source.version', false],
        ['value.payload.after.a', true],
      ],
    );
  });

  it('reports records one side lacks, and header order', () => {
    const a = record({ payload: { op: 'c' } }, [
      ['x', '1'],
      ['id', '2'],
    ]);
    const b = record({ payload: { op: 'c' } }, [
      ['id', '2'],
      ['x', '1'],
    ]);
    const result = compareRecords([a, a], [b]);
    assert.deepEqual(
      result.differences.map((d) => d.path),
      ['headers(order)', 'record'],
    );
  });

  it("sets the read time of the snapshot's schema-change records apart, not that of streamed ones", () => {
    const ddl = (snapshot: string, tsMs: number) =>
      record({ payload: { ddl: 'ALTER TABLE t ADD c INT', source: { snapshot, ts_ms: tsMs } } });
    const paths = (snapshot: string) =>
      compareRecords([ddl(snapshot, 1)], [ddl(snapshot, 2)]).differences.map((d) => [
        d.path,
        d.expected !== undefined,
      ]);
    assert.deepEqual(paths('true'), [['value.payload.source.ts_ms', true]]);
    assert.deepEqual(paths('false'), [['value.payload.source.ts_ms', false]]);
  });
});
