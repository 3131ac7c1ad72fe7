import type { RecordQueue } from './record-queue.ts';

/** The transport a pump reads from: a socket it can stop and start reading. */
export interface PausableTransport {
  pause(): void;
  resume(): void;
}

/** What a pump is built from. */
export interface ChangePumpOptions<M> {
  readonly queue: RecordQueue;
  /** Records `message` will add to the queue (at least 1, so a flood of other messages pauses the reader too). */
  readonly weight: (message: M) => number;
  /** Turns one message into queued records; called one message at a time, in arrival order. */
  readonly handle: (message: M) => Promise<void> | void;
  /** A message could not be handled: the pump stops taking messages, the caller fails the task. */
  readonly onFailure: (error: unknown) => void;
}

/**
 * The one path from a source's log transport (the binlog socket, the replication stream) to its
 * `RecordQueue`: messages are handled strictly in order, and the transport is paused while the records
 * waiting in the pump plus those in the queue reach the queue's capacity (`max.queue.size`), then resumed
 * once they fall to half of it. Back-pressure thus bounds memory by records, not by messages (one binlog rows
 * event carries hundreds of rows).
 *
 * Single-threaded by construction: `push` is called from the transport's data events, `handle` runs on the
 * pump's own loop. The caller owns the transport and closes it; `stop` only makes the pump drop what is left.
 */
export class ChangePump<M> {
  readonly #o: ChangePumpOptions<M>;
  #transport: PausableTransport | null = null;
  #inbox: M[] = [];
  #head = 0;
  #pendingRecords = 0;
  #processing = false;
  #paused = false;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: ChangePumpOptions<M>) {
    this.#o = options;
    options.queue.onDrained = () => this.#maybeResume();
  }

  /** Attaches the transport to pause and resume (a new one after a reconnect starts unpaused). */
  attach(transport: PausableTransport): void {
    this.#transport = transport;
    this.#paused = false;
    this.#applyBackPressure();
  }

  /** Messages received and not yet handled. */
  get pending(): number {
    return this.#inbox.length - this.#head;
  }

  /** True when every received message has been handled. */
  get idle(): boolean {
    return !this.#processing && this.pending === 0;
  }

  /** True while the transport is paused by back-pressure. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Takes a message from the transport. */
  push(message: M): void {
    if (this.#stopped) return;
    this.#inbox.push(message);
    this.#pendingRecords += this.#o.weight(message);
    this.#applyBackPressure();
    if (!this.#processing) void this.#drain();
  }

  /** Resolves once every message received so far has been handled (or the pump stopped). */
  whenIdle(): Promise<void> {
    if (this.idle || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops what is left and takes nothing more; resolves waiting `whenIdle` calls. */
  stop(): void {
    this.#stopped = true;
    this.#inbox = [];
    this.#head = 0;
    this.#pendingRecords = 0;
    this.#notifyIdle();
  }

  async #drain(): Promise<void> {
    this.#processing = true;
    try {
      while (this.pending > 0 && !this.#stopped) {
        const message = this.#inbox[this.#head]!;
        this.#inbox[this.#head] = undefined as M;
        this.#head++;
        if (this.#head > 1024 && this.#head * 2 > this.#inbox.length) {
          this.#inbox = this.#inbox.slice(this.#head);
          this.#head = 0;
        }
        this.#pendingRecords -= this.#o.weight(message);
        await this.#o.handle(message);
        this.#applyBackPressure();
      }
    } catch (error) {
      this.stop();
      this.#o.onFailure(error);
    } finally {
      this.#processing = false;
      this.#maybeResume();
      if (this.pending === 0) this.#notifyIdle();
    }
  }

  #applyBackPressure(): void {
    if (this.#paused || this.#transport === null) return;
    if (this.#pendingRecords + this.#o.queue.size >= this.#o.queue.capacity) {
      this.#paused = true;
      this.#transport.pause();
    }
  }

  #maybeResume(): void {
    if (!this.#paused || this.#transport === null) return;
    if (this.#pendingRecords + this.#o.queue.size <= this.#o.queue.capacity / 2) {
      this.#paused = false;
      this.#transport.resume();
    }
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
