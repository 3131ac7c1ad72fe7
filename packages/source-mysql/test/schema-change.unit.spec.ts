import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createJsonConverter } from '@outflow/relay-core';
import { DEFAULT_TYPE_MODES, valueKindOf } from '../src/column-types.ts';
import { declaredColumnTypes, parseDdl, withDeclaredTypes } from '../src/ddl.ts';
import {
  columnDefinition,
  columnMetaFromDefinition,
  compareBinlogPositions,
  parseHistoryRecord,
  schemaChangeRecord,
  serializeHistoryRecord,
  type TableDefinition,
} from '../src/schema-change.ts';
import { mysqlSourceStruct } from '../src/source-info.ts';
import { type ColumnRow, columnMetaFromRow } from '../src/table-schema.ts';

/** An information_schema.COLUMNS row of MariaDB 10.11. */
function row(name: string, columnType: string, extra: Partial<ColumnRow> = {}): ColumnRow {
  const dataType = /^[a-z]+/.exec(columnType)![0];
  const dims = /\(([^)]*)\)/.exec(columnType)?.[1]?.split(',') ?? [];
  return {
    COLUMN_NAME: name,
    DATA_TYPE: dataType,
    COLUMN_TYPE: columnType,
    IS_NULLABLE: 'YES',
    COLUMN_DEFAULT: 'NULL',
    EXTRA: '',
    NUMERIC_PRECISION: dataType === 'decimal' || dataType === 'bit' ? Number(dims[0]) : null,
    NUMERIC_SCALE: dataType === 'decimal' ? Number(dims[1]) : null,
    DATETIME_PRECISION: ['datetime', 'timestamp', 'time'].includes(dataType) ? Number(dims[0] ?? 0) : null,
    CHARACTER_MAXIMUM_LENGTH: dataType.includes('char') ? Number(dims[0]) : null,
    ...extra,
  };
}

const text = (name: string, columnType: string, extra: Partial<ColumnRow> = {}) =>
  row(name, columnType, { CHARACTER_SET_NAME: 'utf8mb4', ...extra });

function define(r: ColumnRow, position: number) {
  return columnDefinition(columnMetaFromRow(r, true, new Set()), position, {
    charsetName: r.CHARACTER_SET_NAME ?? null,
    extra: r.EXTRA,
    comment: r.COLUMN_COMMENT ?? null,
  });
}

// Column descriptions as Debezium's MariaDB connector 3.5 wrote them for the same columns (parity run).
describe('columnDefinition', () => {
  it("describes columns as Debezium's MariaDB connector does", () => {
    const pick = (r: ColumnRow, position: number) => {
      const d = define(r, position);
      return [d.name, d.jdbcType, d.typeName, d.charsetName, d.length, d.scale, d.position, d.optional];
    };
    assert.deepEqual(pick(row('id', 'int(11)', { IS_NULLABLE: 'NO', COLUMN_DEFAULT: null }), 1), [
      'id',
      4,
      'INT',
      null,
      11,
      null,
      1,
      false,
    ]);
    assert.deepEqual(pick(row('tiu', 'tinyint(3) unsigned'), 3), [
      'tiu',
      5,
      'TINYINT UNSIGNED',
      null,
      3,
      null,
      3,
      true,
    ]);
    assert.deepEqual(pick(row('biu', 'bigint(20) unsigned'), 11), [
      'biu',
      -5,
      'BIGINT UNSIGNED',
      null,
      20,
      null,
      11,
      true,
    ]);
    assert.deepEqual(pick(row('dec1', 'decimal(10,2)'), 12), ['dec1', 3, 'DECIMAL', null, 10, 2, 12, true]);
    assert.deepEqual(pick(row('f', 'float'), 15), ['f', 6, 'FLOAT', null, null, null, 15, true]);
    assert.deepEqual(pick(row('d', 'double'), 16), ['d', 8, 'DOUBLE', null, null, null, 16, true]);
    assert.deepEqual(pick(row('bt10', 'bit(10)'), 19), ['bt10', -7, 'BIT', null, 10, null, 19, true]);
    assert.deepEqual(pick(text('c', 'char(5)'), 20), ['c', 1, 'CHAR', 'utf8mb4', 5, null, 20, true]);
    assert.deepEqual(pick(text('tx', 'text'), 22), ['tx', 12, 'TEXT', 'utf8mb4', null, null, 22, true]);
    assert.deepEqual(pick(row('bl', 'blob'), 25), ['bl', 2004, 'BLOB', null, null, null, 25, true]);
    assert.deepEqual(pick(row('dtm3', 'datetime(3)'), 28), ['dtm3', 93, 'DATETIME', null, 3, null, 28, true]);
    assert.deepEqual(pick(row('ts', 'timestamp'), 30), ['ts', 2014, 'TIMESTAMP', null, null, null, 30, true]);
    assert.deepEqual(pick(row('y', 'year(4)'), 34), ['y', 4, 'YEAR', null, 4, null, 34, true]);
    assert.deepEqual(pick(row('u', 'uuid'), 38), ['u', 1111, 'UUID', null, null, null, 38, true]);
    const e = define(text('e', "enum('a','b','c')"), 35);
    assert.deepEqual([e.jdbcType, e.typeName, e.length, e.enumValues], [1, 'ENUM', 1, ["'a'", "'b'", "'c'"]]);
    const st = define(text('st', "set('x','y','z')"), 36);
    assert.deepEqual([st.typeName, st.length, st.enumValues], ['SET', 5, ["'x'", "'y'", "'z'"]]);
    // MariaDB reports literal defaults quoted; Debezium writes them as the statement has them.
    assert.equal(
      define(row('dflt', 'int(11)', { IS_NULLABLE: 'NO', COLUMN_DEFAULT: '42' }), 39).defaultValueExpression,
      '42',
    );
    assert.equal(
      define(text('dstr', 'varchar(10)', { COLUMN_DEFAULT: "'abc'" }), 40).defaultValueExpression,
      'abc',
    );
    assert.equal(define(row('n', 'int(11)'), 42).defaultValueExpression, null, 'DEFAULT NULL is no default');
    const auto = define(
      row('seq', 'bigint(20)', { EXTRA: 'auto_increment', COLUMN_COMMENT: 'a counter' }),
      1,
    );
    assert.deepEqual([auto.autoIncremented, auto.generated, auto.comment], [true, false, 'a counter']);
  });

  it('gives back, from a recovered definition, columns that decode the same way', () => {
    const rows = [
      row('id', 'int(11)', { IS_NULLABLE: 'NO', COLUMN_DEFAULT: null }),
      row('iu', 'int(10) unsigned'),
      row('dec1', 'decimal(10,2)', { IS_NULLABLE: 'NO', COLUMN_DEFAULT: '1.50' }),
      row('bt1', 'bit(1)'),
      row('bt10', 'bit(10)'),
      row('b', 'tinyint(1)'),
      row('dtm6', 'datetime(6)'),
      row('tm', 'time'),
      text('vc', 'varchar(50)', { COLUMN_DEFAULT: "'abc'" }),
      text('e', "enum('a','it''s')"),
      text('st', "set('x','y')"),
      row('ts', 'timestamp', { COLUMN_DEFAULT: 'current_timestamp()' }),
    ];
    for (const [i, r] of rows.entries()) {
      const meta = columnMetaFromRow(r, true, new Set());
      const back = columnMetaFromDefinition(define(r, i + 1), false);
      assert.equal(
        valueKindOf(back, DEFAULT_TYPE_MODES),
        valueKindOf(meta, DEFAULT_TYPE_MODES),
        r.COLUMN_NAME,
      );
      for (const key of [
        'name',
        'dataType',
        'nullable',
        'defaultValue',
        'defaultIsExpression',
        'unsigned',
        'fsp',
      ] as const)
        assert.deepEqual(back[key], meta[key], `${r.COLUMN_NAME}.${key}`);
      assert.deepEqual(back.members, meta.members, `${r.COLUMN_NAME}.members`);
      if (meta.dataType === 'decimal' || meta.dataType === 'bit')
        assert.deepEqual([back.precision, back.scale], [meta.precision, meta.scale], r.COLUMN_NAME);
    }
  });
});

const definition: TableDefinition = {
  defaultCharsetName: 'utf8mb4',
  primaryKeyColumnNames: ['id'],
  columns: [
    define(row('id', 'int(11)', { IS_NULLABLE: 'NO', COLUMN_DEFAULT: null }), 1),
    define(text('e', "enum('a','b')"), 2),
  ],
  comment: null,
};

describe('schemaChangeRecord', () => {
  it("writes Debezium 3's schema-change key and value", () => {
    const record = schemaChangeRecord({
      connector: 'mariadb',
      topicPrefix: 'P_raw',
      processedAtMs: 1796024220760,
      headers: [],
      change: {
        databaseName: 'shop',
        ddl: "ALTER TABLE t ADD COLUMN e ENUM('a','b')",
        changes: [{ type: 'ALTER', db: 'shop', table: 't', definition }],
        sourceOffset: { file: 'mariadb-bin.000001', pos: 9700 },
        source: mysqlSourceStruct({
          connector: 'mariadb',
          serverName: 'P_raw',
          tsMs: 1796024220000,
          snapshot: 'false',
          db: 'shop',
          table: 't',
          serverId: 1,
          gtid: '0-1-16',
          file: 'mariadb-bin.000001',
          pos: 9604,
          row: 0,
          thread: null,
          query: null,
        }),
      },
    });
    assert.equal(record.topic, 'P_raw');
    const json = createJsonConverter({ schemasEnable: true });
    // The key exactly as Debezium's MariaDB connector 3.5 wrote it.
    assert.equal(
      json.fromConnectData(record.topic, record.keySchema, record.key)!.toString(),
      '{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"databaseName"}],"optional":false,"name":"io.debezium.connector.mariadb.SchemaChangeKey","version":1},"payload":{"databaseName":"shop"}}',
    );
    const value = JSON.parse(
      json.fromConnectData(record.topic, record.valueSchema, record.value)!.toString(),
    );
    assert.equal(value.schema.name, 'io.debezium.connector.mariadb.SchemaChangeValue');
    assert.equal(value.schema.version, 1);
    assert.deepEqual(
      value.schema.fields.map((f: { field: string }) => f.field),
      ['source', 'ts_ms', 'databaseName', 'schemaName', 'ddl', 'tableChanges'],
    );
    const change = value.schema.fields[5].items;
    assert.deepEqual([change.name, change.version], ['io.debezium.connector.schema.Change', 1]);
    const table = change.fields[2];
    assert.deepEqual(
      [table.name, table.optional, table.version],
      ['io.debezium.connector.schema.Table', true, 1],
    );
    assert.deepEqual(
      table.fields[2].items.fields.map((f: { field: string }) => f.field),
      [
        'name',
        'jdbcType',
        'nativeType',
        'typeName',
        'typeExpression',
        'charsetName',
        'length',
        'scale',
        'position',
        'optional',
        'autoIncremented',
        'generated',
        'comment',
        'defaultValueExpression',
        'enumValues',
      ],
    );
    const payload = value.payload;
    assert.deepEqual(
      [payload.ts_ms, payload.databaseName, payload.schemaName, payload.source.gtid, payload.source.pos],
      [1796024220760, 'shop', null, '0-1-16', 9604],
    );
    assert.deepEqual(payload.tableChanges[0].id, '"shop"."t"');
    assert.deepEqual(payload.tableChanges[0].table.columns[1], {
      name: 'e',
      jdbcType: 1,
      nativeType: null,
      typeName: 'ENUM',
      typeExpression: 'ENUM',
      charsetName: 'utf8mb4',
      length: 1,
      scale: null,
      position: 2,
      optional: true,
      autoIncremented: false,
      generated: false,
      comment: null,
      defaultValueExpression: null,
      enumValues: ["'a'", "'b'"],
    });
  });
});

describe('history records', () => {
  it('round-trip, and read the records Debezium writes (null fields left out)', () => {
    const record = {
      source: { server: 'dbserver1' },
      position: {
        ts_sec: 1,
        file: 'mariadb-bin.000002',
        pos: 400,
        gtids: '0-1-9',
        event: 0,
        row: 0,
        server_id: 1,
      },
      ts_ms: 5,
      databaseName: 'shop',
      ddl: 'CREATE TABLE t (id INT)',
      tableChanges: [{ type: 'CREATE' as const, db: 'shop', table: 't', definition }],
    };
    const raw = serializeHistoryRecord(record);
    assert.deepEqual(Object.keys(JSON.parse(raw.toString())), [
      'source',
      'position',
      'ts_ms',
      'databaseName',
      'ddl',
      'tableChanges',
    ]);
    assert.deepEqual(parseHistoryRecord(raw), record);
    const debezium = Buffer.from(
      JSON.stringify({
        source: { server: 'dbserver1' },
        position: { file: 'mariadb-bin.000001', pos: 9604 },
        ts_ms: 7,
        databaseName: 'shop',
        ddl: 'DROP TABLE `t`',
        tableChanges: [{ type: 'DROP', id: '"shop"."t"' }],
      }),
    );
    assert.deepEqual(parseHistoryRecord(debezium)?.tableChanges, [
      { type: 'DROP', db: 'shop', table: 't', definition: null },
    ]);
    assert.equal(parseHistoryRecord(Buffer.from('not json')), null);
  });

  it('orders binlog positions by file sequence, then position', () => {
    assert.ok(compareBinlogPositions({ file: 'b.000010', pos: 4 }, { file: 'b.000009', pos: 900 }) > 0);
    assert.ok(compareBinlogPositions({ file: 'b.000009', pos: 4 }, { file: 'b.000009', pos: 900 }) < 0);
    assert.equal(compareBinlogPositions({ file: 'b.000009', pos: 4 }, { file: 'b.000009', pos: 4 }), 0);
  });
});

describe('parseDdl', () => {
  it('names the tables a statement creates, alters or drops', () => {
    assert.deepEqual(parseDdl('ALTER TABLE types ADD COLUMN x INT', 'db'), {
      kind: 'tables',
      targets: [{ type: 'ALTER', db: 'db', table: 'types' }],
    });
    assert.deepEqual(parseDdl('/* app */ create table if not exists `other`.`t``x` (id int)', 'db'), {
      kind: 'tables',
      targets: [{ type: 'CREATE', db: 'other', table: 't`x' }],
    });
    assert.deepEqual(parseDdl('DROP TABLE IF EXISTS a, `o`.b /* generated by server */', 'db'), {
      kind: 'tables',
      targets: [
        { type: 'DROP', db: 'db', table: 'a' },
        { type: 'DROP', db: 'o', table: 'b' },
      ],
    });
    assert.deepEqual(parseDdl('RENAME TABLE a TO b', 'db'), {
      kind: 'tables',
      targets: [
        { type: 'DROP', db: 'db', table: 'a' },
        { type: 'CREATE', db: 'db', table: 'b' },
      ],
    });
    assert.deepEqual(parseDdl('CREATE UNIQUE INDEX ix ON t (a)', 'db'), {
      kind: 'tables',
      targets: [{ type: 'ALTER', db: 'db', table: 't' }],
    });
    assert.deepEqual(parseDdl('CREATE DATABASE `shop` CHARSET utf8mb4', ''), {
      kind: 'database',
      db: 'shop',
    });
    assert.deepEqual(parseDdl('CREATE TEMPORARY TABLE tmp (id INT)', 'db'), { kind: 'other' });
    assert.deepEqual(parseDdl('CREATE VIEW v AS SELECT 1', 'db'), { kind: 'other' });
  });

  it("takes the column dimensions an ALTER declares, as Debezium's parser does", () => {
    const declared = declaredColumnTypes(
      'ALTER TABLE types ADD COLUMN added INT NOT NULL DEFAULT 5, DROP COLUMN tx, MODIFY c VARCHAR(30),\n  CHANGE COLUMN n renamed BIGINT, ADD d DECIMAL(8,3)',
    );
    assert.deepEqual(Object.fromEntries(declared), {
      added: { length: null, scale: null },
      c: { length: 30, scale: null },
      renamed: { length: null, scale: null },
      d: { length: 8, scale: 3 },
    });
    const patched = withDeclaredTypes(definition, 'ALTER TABLE t MODIFY id INT NOT NULL');
    assert.equal(patched.columns[0]!.length, null);
    assert.equal(patched.columns[1]!.length, 1, 'an ENUM keeps its size');
  });
});
