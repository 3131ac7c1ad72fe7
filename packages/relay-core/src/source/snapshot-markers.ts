import type { SnapshotMarker } from './source-info.ts';

/**
 * Debezium's `source.snapshot` value of a snapshot record (RelationalSnapshotChangeEventSource): the last
 * record of the last table is `last`, the first of the first table `first`; otherwise the last and first
 * record of each table are `last_in_data_collection` / `first_in_data_collection`, and the rest `true`.
 * A table's only record is its last (so a one-row snapshot is `last`).
 */
export function snapshotMarker(p: {
  readonly firstTable: boolean;
  readonly lastTable: boolean;
  readonly firstInTable: boolean;
  readonly lastInTable: boolean;
}): SnapshotMarker {
  if (p.lastInTable && p.lastTable) return 'last';
  if (p.firstInTable && p.firstTable) return 'first';
  if (p.lastInTable) return 'last_in_data_collection';
  if (p.firstInTable) return 'first_in_data_collection';
  return 'true';
}

/** Receives a row with its marker; `final` is true for the snapshot's very last record. False = stop. */
export type MarkedRowSink<R> = (row: R, marker: SnapshotMarker, final: boolean) => Promise<boolean>;

/**
 * Gives each snapshot row its marker with one row of lookahead (whether a row is the last of its table is
 * known only when the next one arrives), the same way for every source. Tables are announced in order with
 * `table(index)`; `finish` emits the held row as the snapshot's final record.
 */
export class SnapshotMarkers<R> {
  readonly #tableCount: number;
  readonly #emit: MarkedRowSink<R>;
  #held: { row: R; table: number; firstInTable: boolean } | null = null;
  #table = -1;
  #firstInTable = true;

  constructor(tableCount: number, emit: MarkedRowSink<R>) {
    this.#tableCount = tableCount;
    this.#emit = emit;
  }

  /** The rows that follow belong to table `index` (0-based, in snapshot order). */
  table(index: number): void {
    this.#table = index;
    this.#firstInTable = true;
  }

  /** Holds `row`, emitting the previously held one. Resolves false once the sink says stop. */
  async row(row: R): Promise<boolean> {
    const ok = await this.#release(false);
    this.#held = { row, table: this.#table, firstInTable: this.#firstInTable };
    this.#firstInTable = false;
    return ok;
  }

  /** Emits the held row as the final record; resolves false if the sink said stop (or there was none). */
  async finish(): Promise<boolean> {
    return this.#release(true);
  }

  async #release(final: boolean): Promise<boolean> {
    const held = this.#held;
    if (held === null) return true;
    this.#held = null;
    const marker = snapshotMarker({
      firstTable: held.table === 0,
      lastTable: held.table === this.#tableCount - 1,
      firstInTable: held.firstInTable,
      lastInTable: final || held.table !== this.#table,
    });
    return this.#emit(held.row, marker, final);
  }
}
