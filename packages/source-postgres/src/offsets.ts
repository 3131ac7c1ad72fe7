import type { SourceOffset, SourcePartition } from '@outflow/relay-core';
import type { Lsn } from './decoder/copy-data.ts';

/**
 * Offsets of the PostgreSQL source, shaped like Debezium's (`{lsn, lsn_commit, lsn_proc, txId, ts_usec}`,
 * LSNs as numbers) with Outflow's precise meaning:
 *
 * - `lsn`: the slot position that may be confirmed once this record is delivered. For the last record of a
 *   transaction it is the transaction's end LSN (the server will not resend it); for any other record it is
 *   the transaction's commit LSN, which confirms every earlier transaction and makes the server resend this
 *   one in full.
 * - `lsn_commit`, `txId`: the commit LSN and xid of the record's transaction.
 * - `lsn_proc`: every change of that transaction with an LSN ≤ this was delivered. A delete's record claims
 *   one byte less, so a delete and its tombstone are replayed together.
 * - `ts_usec`: commit time (epoch µs).
 * - `snapshot`, `last_snapshot_record`: set on snapshot records; the snapshot is complete once the record
 *   with `last_snapshot_record: true` is stored.
 *
 * Heartbeats store `{lsn, ts_usec}` only. Pure functions.
 */
export type PgOffset = {
  readonly lsn: number;
  readonly lsn_commit?: number;
  readonly lsn_proc?: number;
  readonly txId?: number;
  readonly ts_usec: number;
  readonly snapshot?: true;
  readonly last_snapshot_record?: boolean;
};

/** The source partition of a connector: `{server: <topic.prefix>}`, as Debezium. */
export function sourcePartition(topicPrefix: string): SourcePartition {
  return { server: topicPrefix };
}

/** Reads a stored offset; returns null when there is none or it has no usable `lsn`. */
export function parseOffset(raw: SourceOffset | null): PgOffset | null {
  if (raw === null) return null;
  const lsn = toNumber(raw.lsn);
  if (lsn === undefined) return null;
  const out: Record<string, unknown> = { lsn, ts_usec: toNumber(raw.ts_usec) ?? 0 };
  for (const key of ['lsn_commit', 'lsn_proc', 'txId'] as const) {
    const value = toNumber(raw[key]);
    if (value !== undefined) out[key] = value;
  }
  if (raw.snapshot === true) {
    out.snapshot = true;
    out.last_snapshot_record = raw.last_snapshot_record === true;
  }
  return out as unknown as PgOffset;
}

/** True when the stored offset says a snapshot was started but not completed (it must be taken again). */
export function isSnapshotIncomplete(offset: PgOffset | null): boolean {
  return offset?.snapshot === true && offset.last_snapshot_record !== true;
}

/** The offset of a change record (see {@link PgOffset}). */
export function changeOffset(options: {
  commitLsn: Lsn;
  endLsn: Lsn | null;
  processedLsn: Lsn;
  xid: number;
  commitTimeUs: number;
}): PgOffset {
  return {
    lsn: Number(options.endLsn ?? options.commitLsn),
    lsn_commit: Number(options.commitLsn),
    lsn_proc: Number(options.processedLsn),
    txId: options.xid,
    ts_usec: options.commitTimeUs,
  };
}

/** The offset of a snapshot record: the slot position streaming starts from once the snapshot is done. */
export function snapshotOffset(lsn: Lsn, tsUs: number, last: boolean): PgOffset {
  return { lsn: Number(lsn), ts_usec: tsUs, snapshot: true, last_snapshot_record: last };
}

/** The offset of a heartbeat: a WAL position with no transaction in flight. */
export function heartbeatOffset(lsn: Lsn, tsUs: number): PgOffset {
  return { lsn: Number(lsn), ts_usec: tsUs };
}

/**
 * The LSN the slot may confirm for a delivered offset, or null when it confirms nothing (an unfinished
 * snapshot: streaming has not started from it yet).
 */
export function confirmableLsn(offset: PgOffset): Lsn | null {
  if (isSnapshotIncomplete(offset)) return null;
  return BigInt(offset.lsn);
}

/**
 * After a restart the server resends the transaction that was partly delivered; this decides which of its
 * changes were already delivered (same xid and commit LSN, change LSN ≤ `lsn_proc`).
 */
export function alreadyDelivered(
  stored: PgOffset | null,
  xid: number,
  commitLsn: Lsn,
  changeLsn: Lsn,
): boolean {
  if (stored === null || stored.txId === undefined || stored.lsn_commit === undefined) return false;
  if (stored.lsn_proc === undefined) return false;
  return (
    stored.txId === xid && BigInt(stored.lsn_commit) === commitLsn && changeLsn <= BigInt(stored.lsn_proc)
  );
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}
