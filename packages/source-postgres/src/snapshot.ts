import {
  buildChangeRecord,
  type Header,
  type Logger,
  nowMicros,
  type SnapshotMarker,
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

interface PendingRow {
  readonly table: CapturedTable;
  readonly row: Record<string, unknown>;
  readonly firstInTable: boolean;
}

/**
 * Reads every captured table in one `REPEATABLE READ` transaction (under the slot's exported snapshot when
 * there is one) and emits each row as an `op=r` record. The `snapshot` field says `first`,
 * `first_in_data_collection`, `true`, `last_in_data_collection` or `last`, as Debezium 2.x+; the last
 * record's offset has `last_snapshot_record: true`, which marks the snapshot complete. Rows are fetched
 * through a cursor, `fetchSize` at a time. Returns the number of rows read, or null when stopped.
 */
export async function runSnapshot(options: SnapshotOptions): Promise<number | null> {
  const { client } = options;
  const fetchSize = options.fetchSize ?? 1000;
  const readAtUs = nowMicros();
  let pending: PendingRow | null = null;
  let emitted = 0;
  /** The snapshot transaction's id, as Debezium reports it in `source.txId` (`pg_current_xact_id()`). */
  let txId: number | null = null;
  const emit = async (row: PendingRow, marker: SnapshotMarker, last: boolean): Promise<boolean> => {
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
      sourceOffset: snapshotOffset(options.streamStart, readAtUs, last),
    });
    emitted++;
    return options.push(record);
  };

  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    if (options.snapshotName !== null)
      await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(options.snapshotName)}`);
    const xact = await client.query('SELECT txid_current()::text AS txid');
    txId = Number(xact.rows[0]?.txid ?? Number.NaN);
    if (!Number.isSafeInteger(txId)) txId = null;
    for (const name of options.tables) {
      const catalog = await readCatalogTable(client, name.relationId);
      if (catalog === null) continue;
      const table = buildCapturedTable({ topicPrefix: options.topicPrefix, catalog, modes: options.modes });
      options.logger.info({ table: `${table.schema}.${table.table}` }, 'snapshot: reading table');
      const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
      await client.query(
        `DECLARE outflow_snapshot NO SCROLL CURSOR FOR SELECT ${columns} FROM ${quoteIdent(table.schema)}.${quoteIdent(table.table)}`,
      );
      let firstInTable = true;
      for (;;) {
        const batch = await client.query({
          text: `FETCH FORWARD ${fetchSize} FROM outflow_snapshot`,
          rowMode: 'array',
        });
        for (const values of batch.rows as (string | null)[][]) {
          if (pending !== null) {
            const marker = markerFor(emitted === 0, pending.firstInTable, pending.table !== table);
            if (!(await emit(pending, marker, false))) return null;
          }
          pending = { table, row: tupleToRow(table, values, options.placeholder), firstInTable };
          firstInTable = false;
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
  if (pending !== null && !(await emit(pending, 'last', true))) return null;
  return emitted;
}

/** Debezium's snapshot marker of a record that is not the very last one. */
function markerFor(firstOverall: boolean, firstInTable: boolean, lastInTable: boolean): SnapshotMarker {
  if (firstOverall) return 'first';
  if (lastInTable) return 'last_in_data_collection';
  if (firstInTable) return 'first_in_data_collection';
  return 'true';
}
