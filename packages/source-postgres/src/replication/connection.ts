import { readFileSync } from 'node:fs';
import { ConfigError } from '@outflow/relay-core';
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
    ssl: sslOptions(config),
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

/** `database.sslmode` and the PEM files → the pg driver's `ssl` option (libpq's meaning of each mode). */
export function sslOptions(
  config: Pick<PostgresSourceConfig, 'sslMode' | 'sslRootCert' | 'sslCert' | 'sslKey' | 'sslPassword'>,
): pg.ClientConfig['ssl'] {
  if (config.sslMode === 'disable') return false;
  const verify = config.sslMode === 'verify-ca' || config.sslMode === 'verify-full';
  return {
    rejectUnauthorized: verify,
    // verify-ca checks the chain only; verify-full also that the certificate names the host.
    ...(config.sslMode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
    ...(config.sslRootCert === null ? {} : { ca: readPem(config.sslRootCert, 'database.sslrootcert') }),
    ...(config.sslCert === null ? {} : { cert: readPem(config.sslCert, 'database.sslcert') }),
    ...(config.sslKey === null ? {} : { key: readPem(config.sslKey, 'database.sslkey') }),
    ...(config.sslPassword === null ? {} : { passphrase: config.sslPassword }),
  };
}

/** A PEM file's text; a missing or non-PEM file is a configuration error naming `property`. */
function readPem(path: string, property: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      { property, message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code}` },
    ]);
  }
  if (!text.includes('-----BEGIN '))
    throw new ConfigError([{ property, message: `${path} is not a PEM file` }]);
  return text;
}

/** Quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for SQL. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
