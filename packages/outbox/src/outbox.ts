import type { SqlDialect } from './dialects/dialect.ts';
import { mysqlDialect } from './dialects/mysql.ts';
import { postgresDialect } from './dialects/postgres.ts';
import { OutboxError } from './errors.ts';
import { prepareEvents } from './event.ts';
import { resolveOptions } from './options.ts';
import { withOutboxSpan } from './tracing.ts';
import type { Outbox, Outboxable, OutboxDialect, OutboxOptions, SqlExecutor, WrittenEvent } from './types.ts';

const DIALECTS: Readonly<Record<OutboxDialect, SqlDialect>> = {
  mysql: mysqlDialect,
  postgres: postgresDialect,
};

/**
 * Largest batch one INSERT carries. PostgreSQL allows 65 535 parameters per statement (5 per row) and MySQL's
 * `max_allowed_packet` bounds the statement size, so very large batches are split; typical ones are one INSERT.
 */
const MAX_ROWS_PER_STATEMENT = 500;
/** Payload bytes one INSERT carries before the batch is split (a single event always fits in its own). */
const MAX_PAYLOAD_BYTES_PER_STATEMENT = 4 * 1_048_576;

/** Driver error codes after which running the whole transaction again may succeed. */
const RETRIABLE_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', '40001', '40P01']);

function isRetriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, sqlState } = error as { code?: unknown; sqlState?: unknown };
  return (typeof code === 'string' && RETRIABLE_CODES.has(code)) || sqlState === '40001';
}

/** Rejects what cannot hold the caller's transaction: non-executors and, for writes, connection pools. */
function checkExecutor(executor: unknown, forWrite: boolean): asserts executor is SqlExecutor {
  if (
    typeof executor !== 'object' ||
    executor === null ||
    typeof (executor as SqlExecutor).query !== 'function'
  ) {
    throw new OutboxError(
      'OUTBOX_EXECUTOR_INVALID',
      'The executor must be an object with a query(sql, values) method',
    );
  }
  if (!forWrite) return;
  const e = executor as { getConnection?: unknown; totalCount?: unknown; connect?: unknown };
  const isPool =
    typeof e.getConnection === 'function' ||
    (typeof e.totalCount === 'number' && typeof e.connect === 'function');
  if (isPool) {
    throw new OutboxError(
      'OUTBOX_EXECUTOR_INVALID',
      'write() was given a connection pool: each statement would run on any connection, outside your ' +
        'transaction. Pass the connection that holds the transaction (mysql2 PoolConnection, pg PoolClient).',
    );
  }
}

interface StatementContext {
  readonly statement: 'insert' | 'delete' | 'ddl';
  readonly table: string;
  readonly dialect: OutboxDialect;
  readonly events?: number;
}

/** Runs one statement, turning a driver failure into `OUTBOX_SQL_FAILED` with the driver's error as `cause`. */
async function run(executor: SqlExecutor, sql: string, values: unknown[], context: StatementContext) {
  let pending: unknown;
  try {
    pending = executor.query(sql, values);
  } catch (error) {
    throw sqlFailed(error, context);
  }
  if (typeof (pending as PromiseLike<unknown> | undefined)?.then !== 'function') {
    throw new OutboxError(
      'OUTBOX_EXECUTOR_INVALID',
      'executor.query() did not return a promise: use a promise-based client (mysql2/promise, pg)',
      { details: { ...context } },
    );
  }
  try {
    await pending;
  } catch (error) {
    throw sqlFailed(error, context);
  }
}

function sqlFailed(error: unknown, context: StatementContext): OutboxError {
  const reason = error instanceof Error ? error.message : String(error);
  const what = context.statement === 'ddl' ? 'DDL' : context.statement.toUpperCase();
  return new OutboxError(
    'OUTBOX_SQL_FAILED',
    `Outbox ${what} on ${context.table} failed: ${reason}. Roll the transaction back.`,
    { details: { ...context }, cause: error, retriable: isRetriable(error) },
  );
}

/** Splits prepared events into INSERT-sized chunks, keeping their order. */
function chunk(events: readonly WrittenEvent[]): WrittenEvent[][] {
  const chunks: WrittenEvent[][] = [];
  let current: WrittenEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.payload, 'utf8');
    const full = current.length >= MAX_ROWS_PER_STATEMENT || bytes + size > MAX_PAYLOAD_BYTES_PER_STATEMENT;
    if (current.length > 0 && full) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Creates an outbox writer for one table layout. Validates every option at once; a bad one throws
 * `OutboxConfigError` (code `OUTBOX_CONFIG_INVALID`) whose `details.option` names it.
 *
 * @example
 * const outbox = createOutbox({ dialect: 'mysql', columns: { aggregateType: 'aggregate_type', aggregateId: 'aggregate_id' } });
 * await outbox.write(connection, { aggregateType: 'Course', aggregateId: course.id, type: 'CoursePostedEvent', payload: course });
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const resolved = resolveOptions(options);
  const { table, columns, mode, maxPayloadBytes, tracing } = resolved;
  const dialect = DIALECTS[resolved.dialect];

  return Object.freeze({
    options: resolved,

    ddl(): string[] {
      return dialect.ddl(table, columns);
    },

    async write(executor: SqlExecutor, events: Outboxable | readonly Outboxable[]): Promise<WrittenEvent[]> {
      checkExecutor(executor, true);
      if (events === null || events === undefined) {
        throw new OutboxError('OUTBOX_EVENT_INVALID', 'write() needs an event or an array of events', {
          details: { field: 'events' },
        });
      }
      const list = (Array.isArray(events) ? events : [events]) as readonly Outboxable[];
      const written = prepareEvents(list, maxPayloadBytes, dialect.name);
      const insertAll = async (spanContext: string | null): Promise<WrittenEvent[]> => {
        for (const part of chunk(written)) {
          const context = { table, dialect: dialect.name, events: part.length };
          const values = part.flatMap((e) => {
            const row: unknown[] = [e.id, e.aggregateType, e.aggregateId, e.type, e.payload];
            if (tracing) row.push(spanContext);
            return row;
          });
          await run(executor, dialect.insertSql(table, columns, part.length, tracing), values, {
            statement: 'insert',
            ...context,
          });
          if (mode === 'insert-then-delete') {
            const ids = part.map((e) => e.id);
            await run(executor, dialect.deleteSql(table, columns, ids.length), ids, {
              statement: 'delete',
              ...context,
            });
          }
        }
        return written;
      };
      if (!tracing || written.length === 0) return insertAll(null);
      return withOutboxSpan(
        {
          'db.system.name': dialect.name === 'mysql' ? 'mysql' : 'postgresql',
          'db.collection.name': table,
          'outflow.outbox.events': written.length,
          'outflow.outbox.aggregate_type': written[0]?.aggregateType ?? '',
        },
        insertAll,
      );
    },
  });
}

/**
 * Creates the outbox table if it does not exist, by running `outbox.ddl()` on `executor` (a connection or a
 * pool). It does not create the database or schema. It alters an existing table only with the `tracing`
 * option, to add the nullable span context column if the table predates it. On MySQL/MariaDB DDL commits
 * implicitly, so do not run it inside a business transaction.
 */
export async function migrate(executor: SqlExecutor, outbox: Outbox): Promise<void> {
  checkExecutor(executor, false);
  const { table, dialect, columns, tracing } = outbox.options;
  for (const sql of outbox.ddl()) await run(executor, sql, [], { statement: 'ddl', table, dialect });
  if (!tracing) return;
  try {
    await run(executor, DIALECTS[dialect].addTracingColumnSql(table, columns), [], {
      statement: 'ddl',
      table,
      dialect,
    });
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (code !== 'ER_DUP_FIELDNAME') throw error;
  }
}
