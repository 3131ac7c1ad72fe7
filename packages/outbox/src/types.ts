/**
 * An event to publish, like the seed's `Outboxable`: one row of the outbox table, one Kafka record.
 *
 * With Debezium's Outbox Event Router defaults the record goes to topic `outbox.event.<aggregateType>`, keyed by
 * `aggregateId`, with `payload` as its value and `id` in the `id` header.
 */
export interface Outboxable {
  /** Kind of aggregate, e.g. `'Course'`; routes to topic `outbox.event.Course`. Letters, digits, `.`, `_`, `-`. */
  aggregateType: string;
  /** Identity of the aggregate; the Kafka key, so events of one aggregate keep their order. */
  aggregateId: string;
  /** Event type, e.g. `'CoursePostedEvent'`. */
  type: string;
  /**
   * The event body: any JSON-serialisable value, stored as its JSON text. It is always passed through
   * `JSON.stringify`, so a string is stored as a JSON string: pass the object, not `JSON.stringify(object)`.
   */
  payload: unknown;
  /** UUID of the event (the consumer's deduplication key); generated with `crypto.randomUUID()` when absent. */
  id?: string;
}

/** SQL dialect of the outbox table. `'mysql'` covers MySQL and MariaDB. */
export type OutboxDialect = 'mysql' | 'postgres';

/**
 * What happens to the row after the insert.
 * - `'insert-then-delete'` (default, the seed's): the row is deleted in the same transaction; the binlog/WAL
 *   still carries the insert, the relay routes it, the delete is dropped by the router, the table stays empty.
 * - `'keep'`: rows stay (useful for auditing or debugging); purge them yourself.
 */
export type OutboxMode = 'insert-then-delete' | 'keep';

/** Column names of the outbox table, by logical field. */
export interface OutboxColumns {
  /** Event id column (default `id`). */
  id: string;
  /** Aggregate type column (default `aggregatetype`; the seed's JPA naming is `aggregate_type`). */
  aggregateType: string;
  /** Aggregate id column (default `aggregateid`; the seed's JPA naming is `aggregate_id`). */
  aggregateId: string;
  /** Event type column (default `type`). */
  type: string;
  /** Payload column (default `payload`). */
  payload: string;
  /** Creation time column (default `timestamp`), filled by the database default. */
  timestamp: string;
  /**
   * Serialized OpenTelemetry span context (default `tracingspancontext`, the Event Router's
   * `tracing.span.context.field`); nullable, written only with the `tracing` option.
   */
  tracingSpanContext: string;
}

/** Options of {@link createOutbox}. Every field but `dialect` has a default; unknown fields are rejected. */
export interface OutboxOptions {
  /** SQL dialect: `'mysql'` (MySQL, MariaDB) or `'postgres'`. */
  dialect: OutboxDialect;
  /** Table name, default `'outbox'`; may be qualified (`'public.outbox'`, `'course.outbox'`). */
  table?: string;
  /** Column names; missing ones take the Debezium Outbox Event Router defaults. */
  columns?: Partial<OutboxColumns>;
  /** `'insert-then-delete'` (default) or `'keep'`. */
  mode?: OutboxMode;
  /** Largest payload, in UTF-8 bytes of its JSON text; default 1 048 576 (1 MiB, as in the seed). */
  maxPayloadBytes?: number;
  /**
   * Write the active OpenTelemetry span context into `columns.tracingSpanContext` (default `false`, so a table
   * created before that column existed keeps working; add it with `ALTER TABLE … ADD COLUMN` first).
   */
  tracing?: boolean;
}

/** Options after defaults have been applied and validation has passed. */
export interface ResolvedOutboxOptions {
  /** SQL dialect. */
  readonly dialect: OutboxDialect;
  /** Table name, possibly qualified. */
  readonly table: string;
  /** Every column name. */
  readonly columns: Readonly<OutboxColumns>;
  /** Write mode. */
  readonly mode: OutboxMode;
  /** Largest payload in UTF-8 bytes. */
  readonly maxPayloadBytes: number;
  /** Whether the span context column is written. */
  readonly tracing: boolean;
}

/**
 * The smallest structural subset of a `mysql2/promise` `Connection`/`PoolConnection` or a `pg` `Client`/
 * `PoolClient`: something that runs one statement with positional parameters and returns a promise.
 *
 * It must be the connection that holds the caller's open transaction; never a pool.
 */
export interface SqlExecutor {
  /** Runs one statement; `values` fill the placeholders (`?` for mysql, `$1…` for postgres). */
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

/** One event as it was written: the values sent to the database. */
export interface WrittenEvent {
  /** The event id (lower-case UUID). */
  id: string;
  /** The aggregate type. */
  aggregateType: string;
  /** The aggregate id. */
  aggregateId: string;
  /** The event type. */
  type: string;
  /** The payload's JSON text, exactly as stored. */
  payload: string;
}

/** An outbox writer bound to one table layout. Create with {@link createOutbox}. */
export interface Outbox {
  /** The resolved options (defaults applied). */
  readonly options: ResolvedOutboxOptions;
  /**
   * Writes the events through the caller's transaction: one multi-row INSERT (split only for very large batches)
   * and, in `insert-then-delete` mode, a DELETE of the same ids. Never begins, commits or rolls back.
   *
   * Every event is validated and serialised before any SQL is sent: on a validation error nothing has been
   * written and the transaction is still usable. If the database rejects a statement an `OUTBOX_SQL_FAILED`
   * error is thrown; roll the transaction back (PostgreSQL has aborted it anyway).
   *
   * Resolves with the written events, in input order; an empty batch sends nothing.
   */
  write(executor: SqlExecutor, events: Outboxable | readonly Outboxable[]): Promise<WrittenEvent[]>;
  /** The DDL that creates the outbox table for this dialect and these columns (idempotent: `IF NOT EXISTS`). */
  ddl(): string[];
}
