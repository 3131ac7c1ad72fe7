/** SQL dialect of the inbox table. `'mysql'` covers MySQL and MariaDB. */
export type InboxDialect = 'mysql' | 'postgres';

/**
 * The smallest structural subset of a `mysql2/promise` connection or a `pg` client: runs one statement with
 * positional parameters (`?` for mysql, `$1…` for postgres). Inside a handler it is the connection that holds
 * the open transaction; it is valid only until the handler's promise settles.
 */
export interface SqlExecutor {
  /** Runs one statement; `values` fill the placeholders. */
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

/**
 * The database seam of the inbox consumer: transactions for handlers, plain statements for cleanup.
 * It is structural, so this package depends on no driver and no service framework: `@outflow/service-kit`'s
 * `SqlPool` (`connectPool(url)`, `fromMysqlPool(pool)`, `fromPostgresPool(pool)`) is one as it is, and any
 * other object with these three members is too. The consumer never closes it; its owner does, after closing
 * the consumer.
 */
export interface InboxDatabase {
  /** The dialect its SQL speaks; must match the inbox's. */
  readonly dialect: InboxDialect;
  /**
   * Runs `fn` in one transaction on one pooled connection: commits if `fn` resolves, rolls back and rethrows
   * if it throws, always releases the connection. Called concurrently, at most the consumer's
   * `concurrency` calls at a time (keep the pool at least that large).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs one statement outside any transaction (autocommit) on any pooled connection; used by cleanup. */
  execute(sql: string, values?: unknown[]): Promise<unknown>;
}

/** One row of the inbox table, as recorded for each processed event. */
export interface InboxRecord {
  /** The event id (the Event Router's `id` header, or the outbox row id of a raw Debezium event). */
  readonly eventId: string;
  /** The event type, or `null` when the record did not say (see the consumer's `typeHeader`). */
  readonly eventType: string | null;
  /** The aggregate type, if known (Debezium row, or the topic `outbox.event.<type>`). */
  readonly aggregateType: string | null;
  /** The aggregate id: the record key, or the Debezium row's aggregate id. */
  readonly aggregateId: string | null;
  /** Where the record was read. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * An event as handlers receive it: the decoded payload plus where it came from.
 *
 * @typeParam TPayload the payload type of this event type.
 * @typeParam TType the event type name.
 */
export interface InboxEvent<TPayload = unknown, TType extends string = string> {
  /** Event id, the deduplication key. */
  readonly id: string;
  /** Event type; `undefined` when neither the header nor `typeFrom` gave one (only fallback handlers see that). */
  readonly type: TType | undefined;
  /** Aggregate type, if known. */
  readonly aggregateType: string | null;
  /** Aggregate id (the record key), if any. */
  readonly aggregateId: string | null;
  /** The payload, parsed from JSON. */
  readonly payload: TPayload;
  /** Record headers, decoded as UTF-8. */
  readonly headers: Readonly<Record<string, string>>;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** Record timestamp (epoch ms). */
  readonly timestamp: bigint;
}

/**
 * Handles one event inside the inbox's transaction: do every database write through `tx` (the same
 * transaction the inbox row is inserted in) and never commit it yourself. Throw to have the event retried.
 */
export type Handler<TPayload = unknown, TType extends string = string> = (
  tx: SqlExecutor,
  event: InboxEvent<TPayload, TType>,
) => Promise<void> | void;

/**
 * Handles a run of events of one type in one call, inside the inbox's transaction, for set-based writes
 * (one multi-row statement instead of one per event). `events` are new events only (duplicates are already
 * left out), consecutive in their partition's order, and never empty. Throwing rolls the whole batch back;
 * the consumer then runs it again one event at a time (`handleBatch(tx, [event])`), so that only the event
 * that fails is retried and dead-lettered.
 */
export interface BatchHandler<TPayload = unknown, TType extends string = string> {
  handleBatch(tx: SqlExecutor, events: readonly InboxEvent<TPayload, TType>[]): Promise<void> | void;
}

/**
 * Handlers by event type, typed by a map of event type → payload type (declare it with `type`, not
 * `interface`, so it fits `Record<string, unknown>`):
 * `Handlers<{ CoursePostedEvent: Course }>` gives `CoursePostedEvent: (tx, event: InboxEvent<Course>) => …`.
 * A type's handler is either a function of one event or a {@link BatchHandler}.
 */
export type Handlers<TEvents extends Record<string, unknown>> = {
  readonly [K in keyof TEvents]?: Handler<TEvents[K], K & string> | BatchHandler<TEvents[K], K & string>;
};

/** The logger the consumer writes to: a pino logger fits. Every method takes `(fields, message)`. */
export interface InboxLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything. */
export const silentLogger: InboxLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
