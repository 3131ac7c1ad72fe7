import type { SourceRecord } from '@outflow/relay-core';

/**
 * The bounded buffer between the readers (snapshot, binlog) and `poll` (`max.queue.size`). Producers either
 * await `push` (snapshot) or `offer` and pause their stream while `full` (binlog); `onDrained` fires when
 * `take` empties the queue below half its capacity. One consumer.
 */
export class RecordQueue {
  readonly capacity: number;
  #items: SourceRecord[] = [];
  #head = 0;
  #waitingConsumer: (() => void) | null = null;
  #waitingProducers: (() => void)[] = [];
  #failure: unknown = null;
  onDrained: (() => void) | null = null;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** Adds without waiting, even beyond capacity (the caller pauses its source while `full`). */
  offer(record: SourceRecord): void {
    this.#items.push(record);
    this.#wakeConsumer();
  }

  /** Adds, waiting while the queue is full. */
  async push(record: SourceRecord): Promise<void> {
    while (this.full && this.#failure === null) {
      await new Promise<void>((resolve) => this.#waitingProducers.push(resolve));
    }
    this.offer(record);
  }

  /** Makes the next `take` throw `error` once the queued records are drained. */
  fail(error: unknown): void {
    if (this.#failure === null) this.#failure = error;
    this.#wakeConsumer();
  }

  /** Wakes a waiting `take` without a record (e.g. a heartbeat became due). */
  wake(): void {
    this.#wakeConsumer();
  }

  /**
   * Returns up to `max` records, waiting up to `waitMs` for the first; early (possibly empty) when `signal`
   * aborts or `wake` is called. Throws the failure passed to `fail` once the queue is empty.
   */
  async take(max: number, waitMs: number, signal?: AbortSignal): Promise<SourceRecord[]> {
    if (this.size === 0 && this.#failure === null && waitMs > 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.#waitingConsumer = null;
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        signal?.addEventListener('abort', done, { once: true });
        this.#waitingConsumer = done;
      });
    }
    if (this.size === 0 && this.#failure !== null) throw this.#failure;
    const count = Math.min(max, this.size);
    const out = this.#items.slice(this.#head, this.#head + count);
    this.#head += count;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (count > 0 && this.size <= this.capacity / 2) {
      const producers = this.#waitingProducers;
      this.#waitingProducers = [];
      for (const resolve of producers) resolve();
      this.onDrained?.();
    }
    return out;
  }

  #wakeConsumer(): void {
    const waiting = this.#waitingConsumer;
    if (waiting !== null) waiting();
  }
}
