import type { Logger } from './logger.ts';
import type { ProducerRecord, SourceOffset, SourcePartition, SourceRecord } from './record.ts';
import type { Schema } from './schema.ts';

/** What a source task is given when it starts. */
export interface SourceTaskContext {
  /** The connector's name (used in logs, metrics and offset keys). */
  readonly connector: string;
  /** Loads the last committed offset of one of the source's partitions, or null when none was stored. */
  offset(partition: SourcePartition): Promise<SourceOffset | null>;
  readonly logger: Logger;
  /**
   * True when the connector's first transform drops every delete change event (the Outbox Event Router): the
   * source may then skip decoding the rows deleted from captured tables, and their tombstones, as it skips the
   * rows of tables it does not capture. Nothing they would have produced reaches Kafka either way.
   */
  readonly skipDeletes?: boolean;
}

/**
 * Reads changes from a database log (Kafka Connect's `SourceTask`).
 *
 * Contract: `start` is called once, then `poll` repeatedly, never concurrently. `poll` returns records in
 * source commit order; an empty array means nothing arrived within the source's poll interval; it returns
 * early (possibly empty) when `signal` aborts. `commit` is told, in order, the offset of the last record
 * that Kafka acknowledged and the offset store made durable: a source that must acknowledge its log
 * (PostgreSQL slots) does so there and only there. `stop` releases every resource; the caller owns the task
 * and calls `stop` exactly once, even after a failure. A failure that must stop the connector is thrown as a
 * `RelayError` from `start` or `poll`.
 */
export interface SourceTask {
  start(context: SourceTaskContext): Promise<void>;
  poll(signal: AbortSignal): Promise<SourceRecord[]>;
  commit?(partition: SourcePartition, offset: SourceOffset): Promise<void>;
  stop(): Promise<void>;
  /** Records read from the database and waiting for `poll` (for metrics; cheap, called at any time). */
  pending?(): SourcePending;
  /**
   * How far the database log's end is ahead of what the task has read, asked of the database (for metrics,
   * at most about once a second). Undefined while the task has no position or no connection.
   */
  backlog?(): Promise<SourceBacklog | undefined>;
}

/** What a source task holds in memory, read from the database but not yet handed to `poll`. */
export interface SourcePending {
  readonly records: number;
  /** Database commit time of the oldest of them (epoch ms), when they carry one. */
  readonly oldestSourceTsMs?: number;
}

/** How far the database log's end is ahead of the task's read position. */
export interface SourceBacklog {
  /** Log bytes (binlog, WAL) between the read position and the log's end. */
  readonly bytes: number;
  /**
   * True when a non-zero `bytes` means changes are waiting for this task: the log holds only what it reads
   * through (a MySQL binlog). False when it may also count writes the task never sees and learns of only
   * later (PostgreSQL's WAL, shared by every database of the server).
   */
  readonly exact: boolean;
}

/**
 * A single message transform (Kafka Connect's `Transformation`): pure and synchronous.
 * Returns the rewritten record, or null to drop it. May throw a `RelayError` to fail the connector.
 */
export interface Transform {
  apply(record: SourceRecord): SourceRecord | null;
  /** True when `apply` returns null for every change event (`…Envelope` value) whose `op` is `d`. */
  readonly dropsDeletes?: boolean;
}

/** Serialises a key or value (Kafka Connect's `Converter`). `null` stays `null` (tombstones). */
export interface Converter {
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null;
}

/**
 * Writes records to Kafka.
 *
 * Contract: `send` resolves only when every record of the call is acknowledged by the broker (acks=all);
 * records with the same key keep their order across calls. If `send` rejects, no record of that call may be
 * assumed delivered and the caller must not commit their offsets. Calls are not made concurrently by the
 * task loop. `close` flushes nothing: the caller awaits its sends first.
 */
export interface Sink {
  send(records: readonly ProducerRecord[]): Promise<void>;
  close(): Promise<void>;
  /**
   * True when each `send` is one Kafka transaction: its records become visible to `read_committed` readers
   * all together, or never (a failed send is aborted). Lets the task loop store offsets in the same send.
   */
  readonly transactional?: boolean;
  /**
   * A transactional sink takes its `transactional.id` here, before anything is read: the broker fences the
   * previous holder and finishes the transaction it left (committed or aborted), so offsets read afterwards
   * are final. Called once, before the first `send`.
   */
  prepare?(): Promise<void>;
}

/**
 * Stores source offsets per connector and source partition (Kafka Connect's offset backing store).
 *
 * Contract: `set` resolves once the offsets are durable; a later `set` for the same key wins. `get` returns
 * what the last durable `set` stored, also from another process after a restart. `close` is called once.
 */
export interface OffsetStore {
  get(connector: string, partition: SourcePartition): Promise<SourceOffset | null>;
  set(
    connector: string,
    entries: readonly { partition: SourcePartition; offset: SourceOffset }[],
  ): Promise<void>;
  /**
   * Exactly-once: stores the offsets as the records it hands to `send`, which writes them together with the
   * data they cover (one transaction of a transactional sink); `get` returns them once `send` resolved, and
   * nothing changes if it rejects. Absent on stores that do not live in Kafka.
   */
  setAtomically?(
    connector: string,
    entries: readonly { partition: SourcePartition; offset: SourceOffset }[],
    send: (offsetRecords: readonly ProducerRecord[]) => Promise<void>,
  ): Promise<void>;
  /**
   * Reads the stored offsets again from where they live, so `get` returns what was committed there, also by
   * an earlier run whose last write's outcome this process never learned (a commit that timed out).
   */
  refresh?(): Promise<void>;
  close(): Promise<void>;
}
