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
 * The `source` block of PostgreSQL change events (`io.debezium.connector.postgresql.Source`), in the field
 * order of Debezium's PostgresSourceInfoStructMaker: the common fields, then `schema`, `table`, `txId`, `lsn`,
 * `xmin`, `origin`, `origin_lsn`.
 */
export const postgresSourceSchema: Schema = sourceBlockSchema('io.debezium.connector.postgresql.Source', [
  field('schema', Schemas.string()),
  field('table', Schemas.string()),
  field('txId', Schemas.int64(true)),
  field('lsn', Schemas.int64(true)),
  field('xmin', Schemas.int64(true)),
  field('origin', Schemas.string(true)),
  field('origin_lsn', Schemas.int64(true)),
]);

/** Where a change happened, as the source block reports it. */
export interface SourcePosition {
  readonly serverName: string;
  readonly db: string;
  readonly schema: string;
  readonly table: string;
  /** Commit time (streaming) or read time (snapshot), epoch µs. */
  readonly tsUs: number;
  readonly snapshot: SnapshotMarker;
  /** Commit LSN of the previous transaction, as Debezium's `sequence[0]`; null when unknown. */
  readonly lastCommitLsn: bigint | null;
  /** LSN of the change (streaming) or of the snapshot's start (snapshot). */
  readonly lsn: bigint | null;
  readonly txId: number | null;
  /** The transaction's replication origin, when it has one. */
  readonly origin?: { readonly name: string; readonly lsn: bigint } | null;
}

/** Builds the source block value. `sequence` is `["<last commit lsn>","<lsn>"]` as Debezium writes it. */
export function sourceBlock(position: SourcePosition): Struct {
  const seq = JSON.stringify([
    position.lastCommitLsn === null ? null : position.lastCommitLsn.toString(),
    position.lsn === null ? null : position.lsn.toString(),
  ]);
  return {
    ...commonSourceStruct({
      connector: 'postgresql',
      serverName: position.serverName,
      tsUs: position.tsUs,
      snapshot: position.snapshot,
      db: position.db,
      sequence: seq,
    }),
    schema: position.schema,
    table: position.table,
    txId: position.txId,
    lsn: position.lsn === null ? null : Number(position.lsn),
    xmin: null,
    origin: position.origin?.name ?? null,
    origin_lsn: position.origin == null ? null : Number(position.origin.lsn),
  };
}
