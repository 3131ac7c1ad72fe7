/**
 * The migrate command: creates the outbox table on a MySQL, MariaDB or PostgreSQL database.
 *
 *   npm run migrate -- --url mysql://user:pw@127.0.0.1:3306/course [--table outbox] \
 *     [--columns aggregateType=aggregate_type,aggregateId=aggregate_id] [--print]
 *
 * It never creates the database itself, never alters an existing table and never prints the password.
 */
import { parseArgs } from 'node:util';
import { type DatabaseUrl, maskUrlsIn, parseDatabaseUrl, scrub } from './database-url.ts';
import { OutboxConfigError } from './errors.ts';
import { createOutbox, migrate } from './outbox.ts';
import type { Outbox, OutboxColumns, OutboxDialect, SqlExecutor } from './types.ts';

const USAGE = `Usage: npm run migrate -- [migrate] [options]

Creates the outbox table (CREATE TABLE IF NOT EXISTS) in an existing database.

Options:
  --url <url>          mysql://, mariadb://, postgres:// or postgresql:// URL (default: $DATABASE_URL)
  --table <name>       table name, optionally qualified (default: outbox)
  --columns <k=v,...>  column names by field: id, aggregateType, aggregateId, type, payload, timestamp
                       (e.g. aggregateType=aggregate_type,aggregateId=aggregate_id)
  --dialect <d>        mysql or postgres; only needed with --print and no URL
  --print              print the DDL and exit without connecting
  -h, --help           show this help
`;

/** Where the command writes; injectable for tests. */
export interface CliIo {
  /** Normal output (the DDL, the success line). */
  out(text: string): void;
  /** Errors and usage. */
  err(text: string): void;
}

/** Exit codes: 0 done, 1 the database failed, 2 bad arguments or configuration. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 });

function parseColumns(value: string): Partial<OutboxColumns> {
  const columns: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const [key, name, ...rest] = pair.split('=').map((s) => s.trim());
    if (!key || !name || rest.length > 0) {
      throw new OutboxConfigError('--columns', value, 'must be field=column pairs separated by commas');
    }
    columns[key] = name;
  }
  return columns;
}

async function connect(url: DatabaseUrl): Promise<{ executor: SqlExecutor; close(): Promise<void> }> {
  if (url.dialect === 'mysql') {
    const { default: mysql } = await import('mysql2/promise');
    const connection = await mysql.createConnection({ uri: url.raw.replace(/^mariadb:/i, 'mysql:') });
    return { executor: connection, close: () => connection.end() };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url.raw, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return { executor: client, close: () => client.end() };
}

/** Runs the migrate command with `argv` (without node and script) and returns the exit code. */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
): Promise<number> {
  let secret = '';
  const safe = (text: string) => scrub(maskUrlsIn(text), secret);
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        table: { type: 'string' },
        columns: { type: 'string' },
        dialect: { type: 'string' },
        print: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.out(USAGE);
      return EXIT.ok;
    }
    const extra = positionals[0] === 'migrate' ? positionals.slice(1) : positionals;
    if (extra.length > 0) {
      throw new OutboxConfigError('command', extra[0], 'is unknown; the only command is migrate');
    }

    const rawUrl = values.url ?? env.DATABASE_URL;
    const url =
      rawUrl === undefined || rawUrl === ''
        ? undefined
        : parseDatabaseUrl(rawUrl, values.url ? '--url' : 'DATABASE_URL');
    secret = url?.password ?? '';
    let dialect: OutboxDialect | undefined = url?.dialect;
    if (values.dialect !== undefined) {
      if (values.dialect !== 'mysql' && values.dialect !== 'postgres') {
        throw new OutboxConfigError('--dialect', values.dialect, "must be 'mysql' or 'postgres'");
      }
      if (dialect !== undefined && dialect !== values.dialect) {
        throw new OutboxConfigError('--dialect', values.dialect, `contradicts the URL, which is ${dialect}`);
      }
      dialect = values.dialect;
    }
    if (dialect === undefined) {
      throw new OutboxConfigError(
        '--url',
        undefined,
        values.print
          ? 'is needed (or --dialect) to know the dialect'
          : 'is needed: pass --url or set DATABASE_URL',
      );
    }
    const outbox: Outbox = createOutbox({
      dialect,
      ...(values.table === undefined ? {} : { table: values.table }),
      ...(values.columns === undefined ? {} : { columns: parseColumns(values.columns) }),
    });

    if (values.print) {
      io.out(`${outbox.ddl().join(';\n\n')};\n`);
      return EXIT.ok;
    }
    if (url === undefined) {
      throw new OutboxConfigError('--url', undefined, 'is needed: pass --url or set DATABASE_URL');
    }
    if (dialect === 'mysql' && url.database === undefined && !outbox.options.table.includes('.')) {
      throw new OutboxConfigError(
        '--url',
        url.masked,
        'names no database: add one (mysql://…/course) or qualify --table (course.outbox)',
      );
    }

    let connection: Awaited<ReturnType<typeof connect>>;
    try {
      connection = await connect(url);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      io.err(safe(`Cannot connect to ${url.masked}: ${reason}\n`));
      return EXIT.failed;
    }
    try {
      await migrate(connection.executor, outbox);
    } finally {
      await connection.close().catch(() => {});
    }
    io.out(safe(`Outbox table ${outbox.options.table} is ready on ${url.masked}\n`));
    return EXIT.ok;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof OutboxConfigError || isParseArgsError(error)) {
      io.err(safe(`${message}\nRun with --help for usage.\n`));
      return EXIT.usage;
    }
    // OUTBOX_SQL_FAILED already carries the driver's message; anything else is printed as is.
    io.err(safe(`${message}\n`));
    return EXIT.failed;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2), process.env, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
}
