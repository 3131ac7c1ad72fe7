import {
  buildChangeRecord,
  type Header,
  type Logger,
  nowMicros,
  SnapshotMarkers,
  type SourcePartition,
  type SourceRecord,
} from '@outflow/relay-core';
import type pg from 'pg';
import type { Lsn } from './decoder/copy-data.ts';
import type { TypeModes } from './decoder/values.ts';
import { snapshotOffset } from './offsets.ts';
import { quoteIdent, quoteLiteral } from './replication/connection.ts';
import type { TableName } from './replication/publication.ts';
import { sourceBlock } from './source-info.ts';
import { buildCapturedTable, type CapturedTable, readCatalogTable, tupleToRow } from './tables.ts';

/** What a snapshot reads and where its records go. */
export interface SnapshotOptions {
  /** A connection returning every value as text (see connection.ts `rawText`), not in a transaction. */
  readonly client: pg.Client;
  readonly tables: readonly TableName[];
  /**
   * The snapshot exported by `CREATE_REPLICATION_SLOT … EXPORT_SNAPSHOT`: reading under it makes the rows
   * exactly those committed before the slot's consistent point. Null when the slot already existed (the
   * snapshot is then taken now and streaming may replay changes the snapshot already saw).
   */
  readonly snapshotName: string | null;
  /** Where streaming starts once the snapshot is complete (stored in every snapshot record's offset). */
  readonly streamStart: Lsn;
  readonly topicPrefix: string;
  readonly database: string;
  readonly partition: SourcePartition;
  readonly modes: TypeModes;
  readonly placeholder: string;
  /** The task run's context headers, on every record. */
  readonly headers: readonly Header[];
  /** Queues a record, waiting while the queue is full; false means the task is stopping. */
  readonly push: (record: SourceRecord) => Promise<boolean>;
  readonly logger: Logger;
  readonly fetchSize?: number;
}

interface SnapshotRow {
  readonly table: CapturedTable;
  readonly row: Record<string, unknown>;
}

/**
 * Reads every captured table in one `REPEATABLE READ` transaction (under the slot's exported snapshot when
 * there is one) and emits each row as an `op=r` record, its `snapshot` field set by relay-core's
 * `SnapshotMarkers` as Debezium does; the last record's offset has `last_snapshot_record: true`, which marks the snapshot complete. Rows are fetched
 * through a cursor, `fetchSize` at a time. Returns the number of rows read, or null when stopped.
 */
export async function runSnapshot(options: SnapshotOptions): Promise<number | null> {
  const { client } = options;
  const fetchSize = options.fetchSize ?? 1000;
  const readAtUs = nowMicros();
  let emitted = 0;
  /** The snapshot transaction's id, as Debezium reports it in `source.txId` (`pg_current_xact_id()`). */
  let txId: number | null = null;
  const markers = new SnapshotMarkers<SnapshotRow>(options.tables.length, (row, marker, final) => {
    const record = buildChangeRecord(row.table.schemas, {
      op: 'r',
      before: null,
      after: row.row,
      source: sourceBlock({
        serverName: options.topicPrefix,
        db: options.database,
        schema: row.table.schema,
        table: row.table.table,
        tsUs: readAtUs,
        snapshot: marker,
        lastCommitLsn: null,
        lsn: options.streamStart,
        txId,
      }),
      processedAtUs: nowMicros(),
      sourcePartition: options.partition,
      headers: options.headers,
      sourceOffset: snapshotOffset(options.streamStart, readAtUs, final),
    });
    emitted++;
    return options.push(record);
  });

  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    if (options.snapshotName !== null)
      await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(options.snapshotName)}`);
    const xact = await client.query('SELECT txid_current()::text AS txid');
    txId = Number(xact.rows[0]?.txid ?? Number.NaN);
    if (!Number.isSafeInteger(txId)) txId = null;
    for (const [index, name] of options.tables.entries()) {
      markers.table(index);
      const catalog = await readCatalogTable(client, name.relationId);
      if (catalog === null) continue;
      const table = buildCapturedTable({ topicPrefix: options.topicPrefix, catalog, modes: options.modes });
      options.logger.info({ table: `${table.schema}.${table.table}` }, 'snapshot: reading table');
      const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
      await client.query(
        `DECLARE outflow_snapshot NO SCROLL CURSOR FOR SELECT ${columns} FROM ${quoteIdent(table.schema)}.${quoteIdent(table.table)}`,
      );
      for (;;) {
        const batch = await client.query({
          text: `FETCH FORWARD ${fetchSize} FROM outflow_snapshot`,
          rowMode: 'array',
        });
        for (const values of batch.rows as (string | null)[][]) {
          if (!(await markers.row({ table, row: tupleToRow(table, values, options.placeholder) })))
            return null;
        }
        if (batch.rows.length < fetchSize) break;
      }
      await client.query('CLOSE outflow_snapshot');
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  if (!(await markers.finish())) return null;
  return emitted;
}
