import type { SourceOffset, SourcePartition, SourceRecord } from '../record.ts';
import { heartbeatRecord } from './heartbeat.ts';
import { HeartbeatTimer } from './heartbeat-timer.ts';
import type { RecordQueue } from './record-queue.ts';

/** Where a source's reader is in its log, for heartbeats (moves also with changes of tables not captured). */
export interface LogPosition {
  /** Equal keys mean the same position. */
  readonly key: string;
  /** The offset a heartbeat at this position stores. */
  readonly offset: SourceOffset;
}

/** What a poller is built from. */
export interface SourcePollerOptions {
  readonly queue: RecordQueue;
  readonly maxBatchSize: number;
  readonly pollIntervalMs: number;
  /** `heartbeat.interval.ms` (0 disables heartbeats). */
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTopicsPrefix: string;
  /** `topic.prefix`. */
  readonly serverName: string;
  readonly partition: SourcePartition;
  /** The reader's current position, or null before it has one. */
  readonly position: () => LogPosition | null;
}

/**
 * `SourceTask.poll` for every source: hands out up to `max.batch.size` queued records, waiting at most
 * `poll.interval.ms`; when none came for `heartbeat.interval.ms` while the reader's position moved, returns
 * a Debezium heartbeat carrying that position, so a quiet or filtered-out log does not leave the stored
 * offset (and a PostgreSQL slot) behind.
 */
export class SourcePoller {
  readonly #o: SourcePollerOptions;
  readonly #heartbeat: HeartbeatTimer;

  constructor(options: SourcePollerOptions) {
    this.#o = options;
    this.#heartbeat = new HeartbeatTimer(options.heartbeatIntervalMs, Date.now());
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    let wait = this.#o.pollIntervalMs;
    if (this.#heartbeat.enabled) wait = Math.min(wait, Math.max(1, this.#heartbeat.remaining(Date.now())));
    const records = await this.#o.queue.take(this.#o.maxBatchSize, wait, signal);
    const position = this.#o.position();
    if (position !== null) this.#heartbeat.positionAdvanced(position.key);
    if (records.length > 0) {
      if (position !== null) this.#heartbeat.recordEmitted(Date.now(), position.key);
      return records;
    }
    if (position === null || !this.#heartbeat.due(Date.now())) return [];
    this.#heartbeat.emitted(Date.now());
    return [
      heartbeatRecord({
        topicsPrefix: this.#o.heartbeatTopicsPrefix,
        serverName: this.#o.serverName,
        nowMs: Date.now(),
        partition: this.#o.partition,
        offset: position.offset,
      }),
    ];
  }
}
