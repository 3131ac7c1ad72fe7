import type { SourceOffset } from '@outflow/relay-core';

/**
 * Binlog offsets, stored as Debezium's MySQL connector stores them: `{ts_sec, file, pos, gtids?, event, row,
 * server_id, snapshot?}`. `file`/`pos` is the start of the transaction in progress (or the position after
 * the last commit), `gtids` the GTIDs completed before it, `event` how many row events of that transaction
 * were fully delivered and `row` how many rows of the next one. Resuming replays the transaction from its
 * start and skips what was delivered, so a restart mid-transaction loses nothing and repeats nothing.
 *
 * Deviation from Debezium: `event` counts only row events of captured tables (Debezium counts every event
 * since the transaction began). Offsets written by Debezium itself resume at the transaction start and may
 * repeat its rows.
 */
export interface BinlogOffset {
  readonly ts_sec: number;
  readonly file: string;
  readonly pos: number;
  readonly gtids?: string;
  readonly event: number;
  readonly row: number;
  readonly server_id: number;
  /** Present (true) while a snapshot is in progress: a restart then redoes the snapshot. */
  readonly snapshot?: boolean;
}

/** Reads a stored offset; null when there is none or it is not a binlog offset. */
export function parseStoredOffset(raw: SourceOffset | null): BinlogOffset | null {
  if (raw === null) return null;
  const file = raw.file;
  const pos = Number(raw.pos);
  if (typeof file !== 'string' || file === '' || !Number.isFinite(pos)) return null;
  const gtids = typeof raw.gtids === 'string' && raw.gtids.trim() !== '' ? raw.gtids.trim() : undefined;
  return {
    ts_sec: Number(raw.ts_sec ?? 0),
    file,
    pos,
    ...(gtids === undefined ? {} : { gtids }),
    event: Number(raw.event ?? 0) || 0,
    row: Number(raw.row ?? 0) || 0,
    server_id: Number(raw.server_id ?? 0) || 0,
    ...(raw.snapshot === true || raw.snapshot === 'true' ? { snapshot: true } : {}),
  };
}

/** Serialises an offset in Debezium's key order, leaving out absent optional keys. */
export function toSourceOffset(offset: BinlogOffset): SourceOffset {
  const out: Record<string, unknown> = { ts_sec: offset.ts_sec, file: offset.file, pos: offset.pos };
  if (offset.gtids !== undefined) out.gtids = offset.gtids;
  out.event = offset.event;
  out.row = offset.row;
  out.server_id = offset.server_id;
  if (offset.snapshot) out.snapshot = true;
  return out;
}

/** Where the transaction being read began. */
interface TransactionStart {
  readonly file: string;
  readonly pos: number;
  readonly gtidsBefore: string | undefined;
  readonly tsSec: number;
  readonly serverId: number;
}

/**
 * Follows the binlog transaction by transaction and gives each row its resume offset; on the first
 * transaction after a restart, says which rows were delivered already. Pure.
 */
export class TransactionCursor {
  #tx: TransactionStart | null = null;
  #eventIndex = -1;
  #skip: { event: number; row: number } | null;

  /** `resume`: the stored offset streaming restarts from (its event/row counts are skipped once). */
  constructor(resume: BinlogOffset | null) {
    this.#skip =
      resume !== null && (resume.event > 0 || resume.row > 0)
        ? { event: resume.event, row: resume.row }
        : null;
  }

  /** A transaction starts (MySQL BEGIN / GTID, MariaDB GTID event) at `file`/`pos`. */
  begin(start: TransactionStart): void {
    if (this.#tx !== null) this.#skip = null;
    this.#tx = start;
    this.#eventIndex = -1;
  }

  /** True while inside a transaction. */
  get inTransaction(): boolean {
    return this.#tx !== null;
  }

  /**
   * A row event of a captured table arrives; returns how many of its leading rows to drop because they
   * were delivered before the restart (Infinity: all of them).
   */
  rowsEvent(): number {
    this.#eventIndex++;
    const skip = this.#skip;
    if (skip === null || this.#tx === null) return 0;
    if (this.#eventIndex < skip.event) return Number.POSITIVE_INFINITY;
    if (this.#eventIndex === skip.event) return skip.row;
    return 0;
  }

  /** The offset to store once row `rowIndex` of the current row event (and all before it) is delivered. */
  rowOffset(
    rowIndex: number,
    fallback: { file: string; pos: number; gtids?: string; tsSec: number; serverId: number },
  ): BinlogOffset {
    const tx = this.#tx;
    const base = tx ?? {
      file: fallback.file,
      pos: fallback.pos,
      gtidsBefore: fallback.gtids,
      tsSec: fallback.tsSec,
      serverId: fallback.serverId,
    };
    return {
      ts_sec: base.tsSec,
      file: base.file,
      pos: base.pos,
      ...(base.gtidsBefore === undefined ? {} : { gtids: base.gtidsBefore }),
      event: Math.max(this.#eventIndex, 0),
      row: rowIndex + 1,
      server_id: base.serverId,
    };
  }

  /** The transaction committed; returns the offset just after it (nothing left to skip). */
  commit(after: {
    file: string;
    pos: number;
    gtids?: string;
    tsSec: number;
    serverId: number;
  }): BinlogOffset {
    this.#tx = null;
    this.#eventIndex = -1;
    this.#skip = null;
    return positionOffset(after);
  }
}

/** An offset at a transaction boundary (after a commit, or where streaming starts). */
export function positionOffset(p: {
  file: string;
  pos: number;
  gtids?: string;
  tsSec: number;
  serverId: number;
}): BinlogOffset {
  return {
    ts_sec: p.tsSec,
    file: p.file,
    pos: p.pos,
    ...(p.gtids === undefined ? {} : { gtids: p.gtids }),
    event: 0,
    row: 0,
    server_id: p.serverId,
  };
}

/** Human-readable form of a position for logs and errors. */
export function describePosition(offset: Pick<BinlogOffset, 'file' | 'pos' | 'gtids'>): string {
  return offset.gtids === undefined
    ? `${offset.file}:${offset.pos}`
    : `${offset.file}:${offset.pos} (GTIDs ${offset.gtids})`;
}
