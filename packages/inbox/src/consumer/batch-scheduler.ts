/**
 * Turns records read ahead into batches and runs them: up to `concurrency` batches at once over all
 * partitions, whatever order the client delivered the records in. Pure scheduling, no I/O: what a batch does
 * is the `run` callback's business, and the offset to commit is handed to `commit`.
 *
 * Order: with `byKey` false a partition has at most one batch running, and its records run in offset order.
 * With `byKey` true batches of one partition may run at once when they share no key; a key's records still
 * run in offset order, because a record is never taken while an earlier record of its key waits or runs.
 * Commits: a partition's offset moves only past a contiguous run of completed records, so a record is never
 * committed past while an earlier one is not done.
 */

/** What the scheduler needs to know about a record. */
export interface Schedulable {
  /** The partition's identity, e.g. `topic:partition`. */
  readonly lane: string;
  /** The ordering key within the partition (the record key); `null` keys share one order. */
  readonly key: string | null;
  /** Memory the record holds while read ahead (bytes). */
  readonly bytes: number;
}

/** How the scheduler runs. */
export interface BatchSchedulerOptions<T extends Schedulable> {
  /** Batches running at once, over all partitions. */
  readonly concurrency: number;
  /** Most records in one batch. */
  readonly maxBatch: number;
  /** How long a partition with fewer than `maxBatch` records waits for more before it runs (0: never). */
  readonly lingerMs: number;
  /** Allow batches of one partition to run at once when their keys differ. */
  readonly byKey: boolean;
  /** Read-ahead bounds: {@link BatchScheduler.waitForRoom} waits while either is reached. */
  readonly maxRecords: number;
  readonly maxBytes: number;
  /**
   * Runs one batch (records of one partition, in offset order) and calls `complete` with records as they
   * end (handled, skipped or dead-lettered). Must not reject. Records it never completes (closing) are
   * never committed past.
   */
  run(batch: readonly T[], complete: (records: readonly T[]) => void): Promise<void>;
  /** Called with a partition's last record of a newly completed contiguous run: commit past it. */
  commit(record: T): void;
}

interface Lane<T> {
  /** Read ahead, not started, in offset order. */
  pending: T[];
  /** When the oldest pending record arrived (for the linger). */
  since: number;
  /** Batches running. */
  running: number;
  /** Keys held by running batches (byKey), with how many batches hold each. */
  busy: Map<string, number>;
  /** Every record not yet committed past, in offset order, from `head`. */
  order: T[];
  head: number;
  done: Set<T>;
}

/** The batch scheduler; see the file comment for its ordering and commit rules. */
export class BatchScheduler<T extends Schedulable> {
  readonly #o: BatchSchedulerOptions<T>;
  readonly #lanes = new Map<string, Lane<T>>();
  readonly #running = new Set<Promise<void>>();
  #records = 0;
  #bytes = 0;
  #cursor = 0;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #pumpSoon: NodeJS.Immediate | undefined;
  #waiters: (() => void)[] = [];

  readonly #maxBatch: number;

  constructor(options: BatchSchedulerOptions<T>) {
    this.#o = options;
    this.#maxBatch = Math.max(1, Math.min(options.maxBatch, Math.floor(options.maxRecords / 2)));
  }

  /** Records read ahead and not yet completed. */
  get records(): number {
    return this.#records;
  }

  /** Adds a record read from its partition (in offset order per partition) and starts what can start. */
  push(record: T): void {
    let lane = this.#lanes.get(record.lane);
    if (lane === undefined) {
      lane = { pending: [], since: 0, running: 0, busy: new Map(), order: [], head: 0, done: new Set() };
      this.#lanes.set(record.lane, lane);
    }
    if (lane.pending.length === 0) lane.since = Date.now();
    lane.pending.push(record);
    lane.order.push(record);
    this.#records++;
    this.#bytes += record.bytes;
    // Records the client already holds arrive in one burst of microtasks: start batches after the burst,
    // so that they take it whole instead of one record each.
    this.#pumpSoon ??= setImmediate(() => {
      this.#pumpSoon = undefined;
      this.#pump();
    });
  }

  /** Resolves once the read-ahead is below both bounds (or at once after {@link close}). */
  async waitForRoom(): Promise<void> {
    while ((this.#records >= this.#o.maxRecords || this.#bytes >= this.#o.maxBytes) && !this.#closed) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Starts no more batches and wakes every waiter for good; running batches go on. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearImmediate(this.#pumpSoon);
    this.#wake();
  }

  /** Resolves once no batch runs and none is about to start. */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#pumpSoon !== undefined) {
      if (this.#running.size > 0) await Promise.allSettled([...this.#running]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #pump(): void {
    if (this.#closed) return;
    let nextLinger = Infinity;
    while (this.#running.size < this.#o.concurrency) {
      const lanes = [...this.#lanes.entries()];
      let started = false;
      for (let n = 0; n < lanes.length && !started; n++) {
        const [name, lane] = lanes[(this.#cursor + n) % lanes.length] as [string, Lane<T>];
        if (lane.pending.length === 0 || (!this.#o.byKey && lane.running > 0)) continue;
        const ready = lane.since + this.#o.lingerMs;
        if (lane.pending.length < this.#maxBatch && this.#o.lingerMs > 0 && Date.now() < ready) {
          nextLinger = Math.min(nextLinger, ready);
          continue;
        }
        const batch = this.#take(lane);
        if (batch.length === 0) continue;
        this.#cursor = (this.#cursor + n + 1) % lanes.length;
        this.#start(name, lane, batch);
        started = true;
      }
      if (!started) break;
    }
    if (nextLinger !== Infinity && this.#timer === undefined) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.#pump();
        },
        Math.max(1, nextLinger - Date.now()),
      );
    }
  }

  /**
   * The next batch of `lane`: its first records, or (byKey) the first ones whose key is free. A batch takes
   * at most half the read-ahead, so that the next one fills while it runs.
   */
  #take(lane: Lane<T>): T[] {
    const max = this.#maxBatch;
    if (!this.#o.byKey) return lane.pending.splice(0, max);
    const blocked = new Set(lane.busy.keys());
    const batch: T[] = [];
    const rest: T[] = [];
    for (const record of lane.pending) {
      const key = record.key ?? '';
      if (batch.length < max && !blocked.has(key)) batch.push(record);
      else {
        rest.push(record);
        blocked.add(key); // later records of this key must wait for this one
      }
    }
    lane.pending = rest;
    return batch;
  }

  #start(name: string, lane: Lane<T>, batch: T[]): void {
    if (lane.pending.length > 0) lane.since = Date.now();
    const keys = this.#o.byKey ? [...new Set(batch.map((r) => r.key ?? ''))] : [];
    for (const key of keys) lane.busy.set(key, (lane.busy.get(key) ?? 0) + 1);
    lane.running++;
    const running: Promise<void> = this.#o
      .run(batch, (records) => this.#complete(lane, records))
      .finally(() => {
        this.#running.delete(running);
        lane.running--;
        for (const key of keys) {
          const left = (lane.busy.get(key) ?? 1) - 1;
          if (left === 0) lane.busy.delete(key);
          else lane.busy.set(key, left);
        }
        if (lane.pending.length === 0 && lane.running === 0 && lane.head === lane.order.length) {
          this.#lanes.delete(name);
        }
        this.#pump();
      });
    this.#running.add(running);
  }

  #complete(lane: Lane<T>, records: readonly T[]): void {
    for (const record of records) {
      lane.done.add(record);
      this.#records--;
      this.#bytes -= record.bytes;
    }
    let last: T | undefined;
    while (lane.head < lane.order.length && lane.done.has(lane.order[lane.head] as T)) {
      last = lane.order[lane.head] as T;
      lane.done.delete(last);
      lane.head++;
    }
    if (lane.head > 1024 && lane.head * 2 > lane.order.length) {
      lane.order = lane.order.slice(lane.head);
      lane.head = 0;
    }
    if (last !== undefined) this.#o.commit(last);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
