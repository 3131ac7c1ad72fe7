import {
  commonSourceStruct,
  field,
  type Schema,
  Schemas,
  type SnapshotMarker,
  type Struct,
  sourceBlockSchema,
} from '@outflow/relay-core';

/**
 * The `source` block of MySQL/MariaDB change events (`io.debezium.connector.mysql.Source`, or
 * `io.debezium.connector.mariadb.Source` for the MariaDB connector), Debezium 2.x+ field order.
 */
export function mysqlSourceSchema(connector: 'mysql' | 'mariadb'): Schema {
  return sourceBlockSchema(`io.debezium.connector.${connector}.Source`, [
    field('table', Schemas.string(true)),
    field('server_id', Schemas.int64()),
    field('gtid', Schemas.string(true)),
    field('file', Schemas.string()),
    field('pos', Schemas.int64()),
    field('row', Schemas.int32()),
    field('thread', Schemas.int64(true)),
    field('query', Schemas.string(true)),
  ]);
}

/** Where a change happened, as the source block reports it. */
export interface SourcePosition {
  readonly connector: 'mysql' | 'mariadb';
  readonly serverName: string;
  /** When the change happened in the database (binlog event time), epoch ms. */
  readonly tsMs: number;
  readonly snapshot: SnapshotMarker;
  readonly db: string;
  readonly table: string | null;
  readonly serverId: number;
  readonly gtid: string | null;
  readonly file: string;
  readonly pos: number;
  readonly row: number;
  readonly thread: number | null;
  readonly query: string | null;
}

/** Builds the source block value. */
export function mysqlSourceStruct(p: SourcePosition): Struct {
  return {
    ...commonSourceStruct({
      connector: p.connector,
      serverName: p.serverName,
      tsUs: p.tsMs * 1000,
      snapshot: p.snapshot,
      db: p.db,
      sequence: null,
    }),
    table: p.table,
    server_id: p.serverId,
    gtid: p.gtid,
    file: p.file,
    pos: p.pos,
    row: p.row,
    thread: p.thread,
    query: p.query,
  };
}
