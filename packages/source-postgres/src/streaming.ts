import {
  buildChangeRecord,
  type ChangeOp,
  type Header,
  type Logger,
  nowMicros,
  type Schema,
  type SourcePartition,
  type SourceRecord,
  tombstoneFor,
} from '@outflow/relay-core';
import { type Lsn, pgTimeToUnixMicros } from './decoder/copy-data.ts';
import type { PgOutputMessage, TupleValue } from './decoder/pgoutput.ts';
import type { TypeModes } from './decoder/values.ts';
import type { TableFilter } from './filters.ts';
import { alreadyDelivered, changeOffset, type PgOffset } from './offsets.ts';
import { sourceBlock } from './source-info.ts';
import { buildCapturedTable, type CapturedTable, type CatalogTable, tupleToRow } from './tables.ts';

/** What the streamer needs to know and to reach. */
export interface ChangeStreamerOptions {
  readonly topicPrefix: string;
  readonly database: string;
  readonly partition: SourcePartition;
  readonly filter: TableFilter;
  readonly modes: TypeModes;
  readonly tombstonesOnDelete: boolean;
  readonly skippedOperations: ReadonlySet<string>;
  readonly placeholder: string;
  /** The task run's context headers, on every record. */
  readonly headers: readonly Header[];
  /** The stored offset the stream resumed from: changes it covers are not emitted again. */
  readonly resumeFrom: PgOffset | null;
  /** Reads a relation's catalog entry (columns' nullability, primary key). */
  readonly readCatalog: (relationId: number) => Promise<CatalogTable | null>;
  /** Receives records in order. */
  readonly emit: (records: SourceRecord[]) => void;
  readonly logger: Logger;
}

interface OpenTransaction {
  readonly xid: number;
  readonly commitLsn: Lsn;
  readonly commitTimeUs: number;
  /** Replication origin of the transaction (an Origin message after Begin), as Debezium's `source.origin`. */
  readonly origin?: { readonly name: string; readonly lsn: Lsn };
}

/**
 * Turns decoded pgoutput messages into Debezium change records with offsets (see offsets.ts), in commit
 * order. The records of the latest change are held back until the next change or the Commit arrives, so the
 * last record of each transaction carries the offset that lets the slot confirm the whole transaction.
 * Messages must be handled one at a time, in stream order (`handle` is async only for catalog reads).
 */
export class ChangeStreamer {
  readonly #o: ChangeStreamerOptions;
  readonly #relations = new Map<number, CapturedTable | null>();
  #tx: OpenTransaction | null = null;
  #held: SourceRecord[] = [];
  #heldLsn: Lsn = 0n;
  #lastCommitLsn: Lsn | null = null;

  constructor(options: ChangeStreamerOptions) {
    this.#o = options;
    // After a restart Debezium's sequence[0] continues from its stored last commit: here, the end LSN that
    // an offset stored after a whole transaction holds (`lsn` past its `lsn_commit`).
    const from = options.resumeFrom;
    if (from?.lsn_commit !== undefined && from.lsn > from.lsn_commit) this.#lastCommitLsn = BigInt(from.lsn);
  }

  /** True between transactions, with nothing held back: a heartbeat may carry the server's position. */
  get idle(): boolean {
    return this.#tx === null && this.#held.length === 0;
  }

  /** Handles one message; `walStart` is its XLogData start (a change's LSN). */
  async handle(walStart: Lsn, message: PgOutputMessage): Promise<void> {
    switch (message.tag) {
      case 'begin':
        this.#tx = {
          xid: message.xid,
          commitLsn: message.finalLsn,
          commitTimeUs: pgTimeToUnixMicros(message.commitTimeUs),
        };
        return;
      case 'commit':
        this.#commit(message.endLsn);
        // Debezium's sequence[0] is the LSN its stream reported for the Commit message: the end of the commit.
        this.#lastCommitLsn = message.endLsn;
        return;
      case 'origin':
        if (this.#tx !== null)
          this.#tx = { ...this.#tx, origin: { name: message.name, lsn: message.originLsn } };
        return;
      case 'relation': {
        const catalog = await this.#o.readCatalog(message.relationId);
        const captured = catalog !== null && this.#o.filter.includes(message.namespace, message.name);
        this.#relations.set(
          message.relationId,
          captured
            ? buildCapturedTable({
                topicPrefix: this.#o.topicPrefix,
                catalog: { ...catalog, schema: message.namespace, table: message.name },
                columns: message.columns,
                modes: this.#o.modes,
              })
            : null,
        );
        return;
      }
      case 'insert':
        return this.#change(walStart, message.relationId, 'c', null, message.newTuple);
      case 'update': {
        const table = this.#relations.get(message.relationId);
        if (table && message.oldTuple !== null && keyChanged(table, message.oldTuple, message.newTuple)) {
          // Debezium emits a primary key change as a delete of the old key (plus tombstone) and a create.
          this.#change(walStart, message.relationId, 'd', message.oldTuple, null, false);
          return this.#change(walStart, message.relationId, 'c', null, message.newTuple);
        }
        const before = message.oldKind === 'O' ? message.oldTuple : null;
        return this.#change(walStart, message.relationId, 'u', before, message.newTuple);
      }
      case 'delete':
        return this.#change(walStart, message.relationId, 'd', message.oldTuple, null);
      case 'truncate':
        this.#o.logger.debug({ relations: message.relationIds }, 'truncate not emitted (skipped.operations)');
        return;
      default:
        return;
    }
  }

  #change(
    changeLsn: Lsn,
    relationId: number,
    op: ChangeOp,
    beforeTuple: readonly TupleValue[] | null,
    afterTuple: readonly TupleValue[] | null,
    completesChange = true,
  ): void {
    const tx = this.#tx;
    if (tx === null) throw new Error(`change at LSN ${changeLsn} outside a transaction`);
    if (!this.#relations.has(relationId))
      throw new Error(`change for relation ${relationId} before its Relation message`);
    const table = this.#relations.get(relationId);
    if (table === null || table === undefined) return;
    if (this.#o.skippedOperations.has(op)) return;
    if (alreadyDelivered(this.#o.resumeFrom, tx.xid, tx.commitLsn, changeLsn)) return;
    this.#release();
    const before =
      beforeTuple === null ? null : fillRequired(table, tupleToRow(table, beforeTuple, this.#o.placeholder));
    const after = afterTuple === null ? null : tupleToRow(table, afterTuple, this.#o.placeholder);
    const source = sourceBlock({
      serverName: this.#o.topicPrefix,
      db: this.#o.database,
      schema: table.schema,
      table: table.table,
      tsUs: tx.commitTimeUs,
      snapshot: 'false',
      lastCommitLsn: this.#lastCommitLsn,
      lsn: changeLsn,
      txId: tx.xid,
      origin: tx.origin ?? null,
    });
    const withTombstone = op === 'd' && this.#o.tombstonesOnDelete && table.schemas.keySchema !== null;
    const offset = (processed: Lsn) =>
      changeOffset({
        commitLsn: tx.commitLsn,
        endLsn: null,
        processedLsn: processed,
        xid: tx.xid,
        commitTimeUs: tx.commitTimeUs,
      });
    const record = buildChangeRecord(table.schemas, {
      op,
      before,
      after,
      source,
      processedAtUs: nowMicros(),
      sourcePartition: this.#o.partition,
      headers: this.#o.headers,
      // A record followed by more records of the same change (a delete's tombstone, the create of a key
      // change) claims one byte less, so the change is replayed whole.
      sourceOffset: offset(withTombstone || !completesChange ? changeLsn - 1n : changeLsn),
    });
    const claimed = completesChange ? changeLsn : changeLsn - 1n;
    this.#held = withTombstone
      ? [record, { ...tombstoneFor(record), sourceOffset: offset(claimed) }]
      : [record];
    this.#heldLsn = changeLsn;
  }

  /** Emits the held records as they are (more changes of the transaction follow). */
  #release(): void {
    if (this.#held.length === 0) return;
    this.#o.emit(this.#held);
    this.#held = [];
  }

  /** Emits the held records, the last one carrying the offset that confirms the whole transaction. */
  #commit(endLsn: Lsn): void {
    const tx = this.#tx;
    this.#tx = null;
    if (tx === null || this.#held.length === 0) return;
    const last = this.#held.length - 1;
    const final = changeOffset({
      commitLsn: tx.commitLsn,
      endLsn,
      processedLsn: this.#heldLsn,
      xid: tx.xid,
      commitTimeUs: tx.commitTimeUs,
    });
    this.#held[last] = { ...this.#held[last]!, sourceOffset: final };
    this.#release();
  }
}

function keyChanged(
  table: CapturedTable,
  oldTuple: readonly TupleValue[],
  newTuple: readonly TupleValue[],
): boolean {
  const keys = new Set(table.schemas.keyColumns);
  if (keys.size === 0) return false;
  return table.columns.some((c, i) => {
    if (!keys.has(c.name)) return false;
    const a = oldTuple[i];
    const b = newTuple[i];
    return typeof a === 'string' && typeof b === 'string' && a !== b;
  });
}

/**
 * An old-key tuple (`K`: REPLICA IDENTITY DEFAULT) carries only the key columns; the others arrive as null.
 * A required column gets its type's zero value so the row still matches its schema.
 */
/**
 * A before image without some NOT NULL columns (REPLICA IDENTITY DEFAULT sends only the key) gets, as in
 * Debezium's converters, the column's default, else the type's zero value.
 */
function fillRequired(table: CapturedTable, row: Record<string, unknown>): Record<string, unknown> {
  table.columns.forEach((c, i) => {
    if (row[c.name] !== null || !c.notNull) return;
    const schema = table.types[i]!.schema;
    row[c.name] = schema.default ?? zeroValue(schema);
  });
  return row;
}

function zeroValue(schema: Schema): unknown {
  switch (schema.type) {
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'bytes':
      return new Uint8Array(schema.name === 'org.apache.kafka.connect.data.Decimal' ? 1 : 0);
    case 'array':
      return [];
    case 'struct':
      return { scale: 0, value: new Uint8Array(1) };
    default:
      return 0;
  }
}
