import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TYPE_MODES } from '../src/column-types.ts';
import { columnFromTableMap, writtenColumns } from '../src/written-table.ts';

describe('columns as the binlog table map wrote them', () => {
  it('describes a column from its table-map type alone: optional, no default', () => {
    assert.deepEqual(columnFromTableMap({ COLUMN_NAME: 'p', COLUMN_TYPE: 'decimal(10,2)' }), {
      name: 'p',
      dataType: 'decimal',
      columnType: 'decimal(10,2)',
      nullable: true,
      defaultValue: null,
      defaultIsExpression: false,
      unsigned: false,
      precision: 10,
      scale: 2,
      fsp: 0,
      length: null,
      json: false,
      members: [],
    });
    const e = columnFromTableMap({ COLUMN_NAME: 'e', COLUMN_TYPE: "enum('a','b')" });
    assert.deepEqual(e.members, ['a', 'b']);
    assert.equal(columnFromTableMap({ COLUMN_NAME: 't', COLUMN_TYPE: 'datetime(6)' }).fsp, 6);
    assert.equal(columnFromTableMap({ COLUMN_NAME: 'u', COLUMN_TYPE: 'int unsigned' }).unsigned, true);
  });

  it('keeps the current description of an unchanged column and derives a retyped or dropped one', () => {
    const now = [
      { ...columnFromTableMap({ COLUMN_NAME: 'id', COLUMN_TYPE: 'int(11)' }), nullable: false },
      { ...columnFromTableMap({ COLUMN_NAME: 'c', COLUMN_TYPE: 'varchar(20)' }), defaultValue: 'x' },
    ];
    const written = writtenColumns(
      now,
      [
        { COLUMN_NAME: 'id', COLUMN_TYPE: 'int' },
        { COLUMN_NAME: 'b', COLUMN_TYPE: 'varchar(10)' },
        { COLUMN_NAME: 'c', COLUMN_TYPE: 'int' },
      ],
      DEFAULT_TYPE_MODES,
    );
    assert.equal(written[0], now[0], 'unchanged: the current description, nullability included');
    assert.deepEqual(
      written.slice(1).map((c) => [c.name, c.dataType, c.nullable, c.defaultValue]),
      [
        ['b', 'varchar', true, null],
        ['c', 'int', true, null],
      ],
    );
  });
});
