import pg from 'pg';
import type { PostgresSourceConfig } from '../config.ts';
import { SESSION_OPTIONS } from '../decoder/values.ts';

/** Every value as PostgreSQL's text output: the snapshot converts rows with the same functions as pgoutput's. */
const RAW_TEXT_TYPES = { getTypeParser: () => (value: string) => value };

/**
 * Opens a connection to the source database: a regular one, one that returns every value as text
 * (`rawText`, for snapshots), or a logical replication connection (`replication`), which carries
 * `wal.sender.timeout.ms` as its own `wal_sender_timeout`.
 */
export async function connectSource(
  config: PostgresSourceConfig,
  options: { replication?: boolean; rawText?: boolean; applicationName?: string } = {},
): Promise<pg.Client> {
  const clientConfig: pg.ClientConfig & { replication?: string } = {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    ssl: sslOptions(config.sslMode),
    options:
      options.replication && config.walSenderTimeoutMs !== null
        ? `${SESSION_OPTIONS} -c wal_sender_timeout=${config.walSenderTimeoutMs}`
        : SESSION_OPTIONS,
    application_name: options.applicationName ?? 'outflow',
    keepAlive: true,
    connectionTimeoutMillis: 30_000,
    ...(options.rawText ? { types: RAW_TEXT_TYPES } : {}),
    ...(options.replication ? { replication: 'database' } : {}),
  };
  const client = new pg.Client(clientConfig);
  // An idle client's socket error must not crash the process; the next query reports it.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** `database.sslmode` → the pg driver's `ssl` option. */
export function sslOptions(mode: string): pg.ClientConfig['ssl'] {
  switch (mode) {
    case 'disable':
      return false;
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      return { rejectUnauthorized: false };
  }
}

/** Quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for SQL. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
