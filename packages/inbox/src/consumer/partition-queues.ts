/**
 * Per-partition sequential work: records of one partition run one after another, in offset order, while
 * partitions run concurrently. The reader waits for room when `limit` records are queued in all.
 */
export class PartitionQueues<T> {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #limit: number;
  readonly #work: (item: T) => Promise<void>;
  #pending = 0;
  #released = false;
  #waiters: (() => void)[] = [];

  /** `work` must not reject; it runs for each pushed item in its queue's order. */
  constructor(limit: number, work: (item: T) => Promise<void>) {
    this.#limit = limit;
    this.#work = work;
  }

  /** Records queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /** Appends `item` to the queue `key` (e.g. `topic:partition`). */
  push(key: string, item: T): void {
    this.#pending++;
    const tail = (this.#tails.get(key) ?? Promise.resolve())
      .then(() => this.#work(item))
      .finally(() => {
        this.#pending--;
        if (this.#tails.get(key) === tail) this.#tails.delete(key);
        this.#wake();
      });
    this.#tails.set(key, tail);
  }

  /** Resolves once fewer than `limit` records are queued (or at once after {@link release}). */
  async waitForRoom(): Promise<void> {
    while (this.#pending >= this.#limit && !this.#released)
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes every waiter for good, e.g. when closing. */
  release(): void {
    this.#released = true;
    this.#wake();
  }

  /** Resolves once every queue is empty. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.allSettled([...this.#tails.values()]);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
