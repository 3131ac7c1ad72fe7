import type { SourceRecord } from '@outflow/relay-core';

/**
 * The bounded buffer between the readers (snapshot, replication stream) and `poll` (`max.queue.size`).
 * The snapshot awaits `push`; the stream `offer`s and pauses its socket while `full`, resuming on
 * `onDrained` (fired when `take` brings the queue to half its capacity or less). One consumer.
 */
export class RecordQueue {
  readonly capacity: number;
  #items: SourceRecord[] = [];
  #waitingConsumer: (() => void) | null = null;
  #waitingProducers: (() => void)[] = [];
  #failure: unknown = null;
  #closed = false;
  onDrained: (() => void) | null = null;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  get full(): boolean {
    return this.#items.length >= this.capacity;
  }

  /** Adds records without waiting, even beyond capacity (the caller pauses its source while `full`). */
  offer(...records: SourceRecord[]): void {
    if (this.#closed) return;
    this.#items.push(...records);
    this.#waitingConsumer?.();
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
    this.#waitingConsumer?.();
  }

  /** Releases every waiting producer and drops further records (the task is stopping). */
  close(): void {
    this.#closed = true;
    this.#releaseProducers();
    this.#waitingConsumer?.();
  }

  /**
   * Returns up to `max` records, waiting up to `waitMs` for the first; early (possibly empty) when `signal`
   * aborts. Throws the failure given to `fail` once the queue is empty.
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
    const out = this.#items.splice(0, max);
    if (out.length > 0 && this.size <= this.capacity / 2) {
      this.#releaseProducers();
      this.onDrained?.();
    }
    return out;
  }

  #releaseProducers(): void {
    const producers = this.#waitingProducers;
    this.#waitingProducers = [];
    for (const resolve of producers) resolve();
  }
}
