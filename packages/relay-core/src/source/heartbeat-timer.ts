/**
 * Decides when a heartbeat is due: `intervalMs` after the last record of any kind, and only when the
 * position moved since the last record (an idle server needs no heartbeat to keep its offset). Pure.
 */
export class HeartbeatTimer {
  readonly intervalMs: number;
  #lastEmitMs: number;
  #positionKey: string | null = null;
  #emittedKey: string | null = null;

  constructor(intervalMs: number, nowMs: number) {
    this.intervalMs = intervalMs;
    this.#lastEmitMs = nowMs;
  }

  get enabled(): boolean {
    return this.intervalMs > 0;
  }

  /** A change record went out carrying `positionKey`. */
  recordEmitted(nowMs: number, positionKey: string): void {
    this.#lastEmitMs = nowMs;
    this.#positionKey = positionKey;
    this.#emittedKey = positionKey;
  }

  /** The reader's current position (advanced also by events of tables that are not captured). */
  positionAdvanced(positionKey: string): void {
    this.#positionKey = positionKey;
  }

  /** True when a heartbeat should be emitted now. */
  due(nowMs: number): boolean {
    if (!this.enabled || this.#positionKey === null) return false;
    if (this.#positionKey === this.#emittedKey) return false;
    return nowMs - this.#lastEmitMs >= this.intervalMs;
  }

  /** A heartbeat was emitted for the current position. */
  emitted(nowMs: number): void {
    this.#lastEmitMs = nowMs;
    this.#emittedKey = this.#positionKey;
  }

  /** Milliseconds until the next heartbeat could be due. */
  remaining(nowMs: number): number {
    return Math.max(0, this.intervalMs - (nowMs - this.#lastEmitMs));
  }
}
