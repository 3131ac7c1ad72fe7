import { commonSourceFields, field, type Schema, Schemas, type Struct, struct } from '@outflow/relay-core';

/** Version string in `source.version`. */
export const CONNECTOR_VERSION = '3.0.0-outflow';

/**
 * The `source` block of MySQL/MariaDB change events (`io.debezium.connector.mysql.Source`, or
 * `io.debezium.connector.mariadb.Source` for the MariaDB connector), Debezium 2.x+ field order.
 */
export function mysqlSourceSchema(connector: 'mysql' | 'mariadb'): Schema {
  return struct(`io.debezium.connector.${connector}.Source`, [
    ...commonSourceFields(),
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
  readonly snapshot:
    | 'true'
    | 'first'
    | 'first_in_data_collection'
    | 'last_in_data_collection'
    | 'last'
    | 'false';
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
    version: CONNECTOR_VERSION,
    connector: p.connector,
    name: p.serverName,
    ts_ms: p.tsMs,
    snapshot: p.snapshot,
    db: p.db,
    sequence: null,
    ts_us: p.tsMs * 1000,
    ts_ns: BigInt(p.tsMs) * 1_000_000n,
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
