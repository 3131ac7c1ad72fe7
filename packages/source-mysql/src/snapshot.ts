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
import { toSourceOffset } from './offsets.ts';
import { rowToValues } from './row-values.ts';
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

  const [tableRows] = (await conn.query(
    "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME",
  )) as [{ db: string; tbl: string }[], unknown];
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
