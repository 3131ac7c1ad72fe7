import {
  buildChangeRecord,
  type Logger,
  nowMicros,
  SnapshotMarkers,
  type SourceRecord,
} from '@outflow/relay-core';
import type mysql from 'mysql2/promise';
import type { MySqlSourceConfig } from './config.ts';
import type { CaptureFilter } from './filters.ts';
import { type BinlogOffset, toSourceOffset } from './offsets.ts';
import { rowToValues } from './row-values.ts';
import { type SchemaChange, schemaChangeRecord } from './schema-change.ts';
import type { SchemaHistory } from './schema-history.ts';
import { type BinlogPosition, gtidsAt, type ServerInfo } from './server.ts';
import { mysqlSourceStruct } from './source-info.ts';
import type { CapturedTable, TableSchemaCache } from './table-schema.ts';

/** Where snapshot records go (the task's bounded queue). */
export interface SnapshotSink {
  push(record: SourceRecord): Promise<boolean>;
}

/**
 * Reads the existing rows of every captured table as `op=r` records, consistent with the binlog position it
 * returns (streaming continues from there without gap or overlap).
 *
 * MariaDB: `START TRANSACTION WITH CONSISTENT SNAPSHOT` and the `Binlog_snapshot_file/position` status, no
 * lock. MySQL: a short `FLUSH TABLES WITH READ LOCK` around opening the snapshot transaction and reading the
 * position (Debezium's `minimal` locking). Offsets carry `snapshot: true` until the last record, so a restart
 * mid-snapshot redoes it.
 */
export async function runSnapshot(options: {
  conn: mysql.Connection;
  info: ServerInfo;
  config: MySqlSourceConfig;
  filter: CaptureFilter;
  cache: TableSchemaCache;
  history: SchemaHistory;
  sink: SnapshotSink;
  logger: Logger;
  signal: AbortSignal;
}): Promise<BinlogPosition> {
  const { conn, info, config, filter, logger } = options;
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  let position: BinlogPosition;
  if (info.mariadb) {
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    const [status] = (await conn.query("SHOW STATUS LIKE 'binlog_snapshot_%'")) as [
      { Variable_name: string; Value: string }[],
      unknown,
    ];
    const get = (name: string) => status.find((s) => s.Variable_name.toLowerCase() === name)?.Value;
    const file = String(get('binlog_snapshot_file'));
    const pos = Number(get('binlog_snapshot_position'));
    position = { file, pos, ...(await gtidsAt(conn, info, file, pos)) };
  } else {
    await conn.query('FLUSH TABLES WITH READ LOCK');
    try {
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      let rows: Record<string, unknown>[];
      try {
        [rows] = (await conn.query('SHOW MASTER STATUS')) as [Record<string, unknown>[], unknown];
      } catch {
        [rows] = (await conn.query('SHOW BINARY LOG STATUS')) as [Record<string, unknown>[], unknown];
      }
      const row = rows[0] ?? {};
      const file = String(row.File);
      const pos = Number(row.Position);
      position = { file, pos, ...(await gtidsAt(conn, info, file, pos, row.Executed_Gtid_Set)) };
    } finally {
      await conn.query('UNLOCK TABLES');
    }
  }
  logger.info({ file: position.file, pos: position.pos, gtids: position.gtids }, 'snapshot started');

  const tableRows = await baseTables(conn);
  const tables: CapturedTable[] = [];
  for (const t of tableRows) {
    if (!filter.includesTable(t.db, t.tbl)) continue;
    const captured = await options.cache.get(conn, t.db, t.tbl);
    if (captured !== null) tables.push(captured);
  }

  const tsMs = Date.now();
  const partition = { server: config.topicPrefix };
  const baseOffset = {
    ts_sec: Math.floor(tsMs / 1000),
    file: position.file,
    pos: position.pos,
    ...(position.gtids === undefined ? {} : { gtids: position.gtids }),
    event: 0,
    row: 0,
    server_id: 0,
  };
  // Only the final row's offset marks the snapshot complete; the statements before the rows are part of it.
  await snapshotSchema({ ...options, position, tableRows, offset: { ...baseOffset, snapshot: true } });
  let count = 0;
  const markers = new SnapshotMarkers<{ table: CapturedTable; values: Record<string, unknown> }>(
    tables.length,
    async (row, marker, final) => {
      const source = mysqlSourceStruct({
        connector: config.connector,
        serverName: config.topicPrefix,
        tsMs,
        snapshot: marker,
        db: row.table.db,
        table: row.table.table,
        serverId: 0,
        gtid: null,
        file: position.file,
        pos: position.pos,
        row: 0,
        thread: null,
        query: null,
      });
      count++;
      return options.sink.push(
        buildChangeRecord(row.table.schemas, {
          op: 'r',
          before: null,
          after: row.values,
          source,
          processedAtUs: nowMicros(),
          sourcePartition: partition,
          headers: config.contextHeaders,
          // Only the final record's offset marks the snapshot complete: a restart before it redoes it.
          sourceOffset: toSourceOffset(final ? baseOffset : { ...baseOffset, snapshot: true }),
        }),
      );
    },
  );

  for (const [index, table] of tables.entries()) {
    if (options.signal.aborted) break;
    logger.info({ db: table.db, table: table.table }, 'snapshotting table');
    markers.table(index);
    const core = (conn as unknown as { connection: import('mysql2').Connection }).connection;
    const stream = core
      .query(`SELECT * FROM \`${table.db.replace(/`/g, '``')}\`.\`${table.table.replace(/`/g, '``')}\``)
      .stream();
    for await (const row of stream as AsyncIterable<Record<string, unknown>>) {
      if (options.signal.aborted) {
        stream.destroy();
        break;
      }
      await markers.row({ table, values: rowToValues(table, row, config, 'snapshot') });
    }
  }
  if (!options.signal.aborted) await markers.finish();
  await conn.query('COMMIT');
  logger.info({ records: count, tables: tables.length }, 'snapshot completed');
  return position;
}

/** Every base table of the server, ordered as Debezium's snapshot reads them. */
async function baseTables(conn: mysql.Connection): Promise<{ db: string; tbl: string }[]> {
  const [rows] = (await conn.query(
    "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME",
  )) as [{ db: string; tbl: string }[], unknown];
  return rows;
}

/**
 * `snapshot.mode=no_data` on a first start: Debezium's schema-only snapshot, the statements a snapshot
 * starts with (into the schema history and, with `include.schema.changes`, published) and no rows, at the
 * position streaming then starts from. Their offset is that position: a restart streams from there.
 */
export async function runSchemaSnapshot(options: {
  conn: mysql.Connection;
  config: MySqlSourceConfig;
  filter: CaptureFilter;
  cache: TableSchemaCache;
  history: SchemaHistory;
  sink: SnapshotSink;
  signal: AbortSignal;
  from: BinlogOffset;
}): Promise<void> {
  const position = {
    file: options.from.file,
    pos: options.from.pos,
    ...(options.from.gtids === undefined ? {} : { gtids: options.from.gtids }),
  };
  await snapshotSchema({
    ...options,
    position,
    tableRows: await baseTables(options.conn),
    offset: options.from,
  });
}

/** One snapshot statement's source block: where the snapshot stands in the binlog. */
function snapshotSource(
  config: MySqlSourceConfig,
  position: BinlogPosition,
  db: string,
  table: string | null,
) {
  return mysqlSourceStruct({
    connector: config.connector,
    serverName: config.topicPrefix,
    tsMs: Date.now(),
    snapshot: 'true',
    db,
    table,
    serverId: 0,
    gtid: null,
    file: position.file,
    pos: position.pos,
    row: 0,
    thread: null,
    query: null,
  });
}

const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * The statements that recreate the captured databases' tables as they are at the snapshot, the way
 * Debezium's snapshot writes them: the server's character set, a DROP TABLE for every table, then per
 * database DROP DATABASE, CREATE DATABASE, USE and each table's CREATE TABLE. They start the schema history
 * and, with `include.schema.changes`, are published before the rows. Tables of the captured databases are
 * all described (`schema.history.internal.store.only.captured.tables.ddl=false`, the default), the
 * captured ones only otherwise.
 */
async function snapshotSchema(options: {
  conn: mysql.Connection;
  config: MySqlSourceConfig;
  filter: CaptureFilter;
  cache: TableSchemaCache;
  history: SchemaHistory;
  sink: SnapshotSink;
  signal: AbortSignal;
  position: BinlogPosition;
  tableRows: readonly { db: string; tbl: string }[];
  offset: BinlogOffset;
}): Promise<void> {
  const { conn, config, filter, position } = options;
  const tables = options.tableRows.filter((t) =>
    config.storeOnlyCapturedTablesDdl ? filter.includesTable(t.db, t.tbl) : filter.includesDatabase(t.db),
  );
  const changes: Omit<SchemaChange, 'sourceOffset'>[] = [];
  const [vars] = (await conn.query(
    "SHOW VARIABLES WHERE Variable_name IN ('character_set_server', 'collation_server')",
  )) as [{ Variable_name: string; Value: string }[], unknown];
  const variable = (name: string) => vars.find((v) => v.Variable_name === name)?.Value;
  changes.push({
    databaseName: '',
    ddl: `SET character_set_server=${variable('character_set_server')}, collation_server=${variable('collation_server')}`,
    changes: [],
    source: snapshotSource(config, position, '', null),
  });
  for (const t of tables)
    changes.push({
      databaseName: t.db,
      ddl: `DROP TABLE IF EXISTS ${quoteName(t.db)}.${quoteName(t.tbl)}`,
      changes: [{ type: 'DROP', db: t.db, table: t.tbl, definition: null }],
      source: snapshotSource(config, position, t.db, t.tbl),
    });
  const databases = [...new Set(tables.map((t) => t.db))];
  for (const db of databases) {
    if (options.signal.aborted) return;
    const [schemata] = (await conn.query(
      'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [db],
    )) as [{ cs: string; co: string }[], unknown];
    const charset = schemata[0] === undefined ? '' : ` CHARSET ${schemata[0].cs} COLLATE ${schemata[0].co}`;
    for (const ddl of [
      `DROP DATABASE IF EXISTS ${quoteName(db)}`,
      `CREATE DATABASE ${quoteName(db)}${charset}`,
      `USE ${quoteName(db)}`,
    ])
      changes.push({
        databaseName: db,
        ddl,
        changes: [],
        source: snapshotSource(config, position, db, null),
      });
    for (const t of tables.filter((t) => t.db === db)) {
      const described = await options.cache.get(conn, t.db, t.tbl);
      if (described?.definition === undefined) continue;
      const [created] = (await conn.query(`SHOW CREATE TABLE ${quoteName(t.db)}.${quoteName(t.tbl)}`)) as [
        Record<string, string>[],
        unknown,
      ];
      changes.push({
        databaseName: db,
        ddl: String(created[0]?.['Create Table'] ?? ''),
        changes: [{ type: 'CREATE', db: t.db, table: t.tbl, definition: described.definition }],
        source: snapshotSource(config, position, t.db, t.tbl),
      });
    }
  }
  const offset = toSourceOffset(options.offset);
  await options.history.append(
    changes.map((c) => ({
      source: { server: config.topicPrefix },
      position: offset,
      ts_ms: Date.now(),
      databaseName: c.databaseName,
      ddl: c.ddl,
      tableChanges: c.changes,
    })),
  );
  if (!config.includeSchemaChanges) return;
  for (const change of changes) {
    if (options.signal.aborted) return;
    await options.sink.push(
      schemaChangeRecord({
        connector: config.connector,
        topicPrefix: config.topicPrefix,
        change: { ...change, sourceOffset: offset },
        processedAtMs: Date.now(),
        headers: config.contextHeaders,
      }),
    );
  }
}
