import type { SourceRecord } from '../record.ts';

/**
 * The bounded buffer between a source's readers (snapshot, change stream) and `poll` (`max.queue.size`).
 * The snapshot awaits `push`; the stream `offer`s and pauses its socket while `full`, resuming on
 * `onDrained` (fired when `take` brings the queue to half its capacity or less). One consumer.
 */
export class RecordQueue {
  readonly capacity: number;
  #items: SourceRecord[] = [];
  #head = 0;
  #waitingConsumer: (() => void) | null = null;
  #waitingProducers: (() => void)[] = [];
  #failure: unknown = null;
  #closed = false;
  onDrained: (() => void) | null = null;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** The record `take` would return first, left in place. */
  peek(): SourceRecord | undefined {
    return this.#items[this.#head];
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** Adds records without waiting, even beyond capacity (the caller pauses its source while `full`). */
  offer(...records: SourceRecord[]): void {
    if (this.#closed) return;
    for (const record of records) this.#items.push(record);
    this.#wakeConsumer();
  }

  /** Adds a record, waiting while the queue is full; returns false once the queue is closed. */
  async push(record: SourceRecord): Promise<boolean> {
    while (this.full && !this.#closed && this.#failure === null) {
      await new Promise<void>((resolve) => this.#waitingProducers.push(resolve));
    }
    if (this.#closed) return false;
    this.offer(record);
    return true;
  }

  /** Makes `take` throw `error` once the queued records are drained. The first failure wins. */
  fail(error: unknown): void {
    if (this.#failure === null) this.#failure = error;
    this.#wakeConsumer();
  }

  /** Wakes a waiting `take` without a record (e.g. a heartbeat became due). */
  wake(): void {
    this.#wakeConsumer();
  }

  /** Releases every waiting producer and drops further records (the task is stopping). */
  close(): void {
    this.#closed = true;
    this.#releaseProducers();
    this.#wakeConsumer();
  }

  /**
   * Returns up to `max` records, waiting up to `waitMs` for the first; early (possibly empty) when `signal`
   * aborts, `wake` or `close` is called. Throws the failure given to `fail` once the queue is empty.
   */
  async take(max: number, waitMs: number, signal?: AbortSignal): Promise<SourceRecord[]> {
    if (this.size === 0 && this.#failure === null && !this.#closed && waitMs > 0 && !signal?.aborted) {
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
      this.#releaseProducers();
      this.onDrained?.();
    }
    return out;
  }

  #wakeConsumer(): void {
    this.#waitingConsumer?.();
  }

  #releaseProducers(): void {
    const producers = this.#waitingProducers;
    this.#waitingProducers = [];
    for (const resolve of producers) resolve();
  }
}
