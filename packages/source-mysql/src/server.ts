import { readFileSync } from 'node:fs';
import { ConfigError, RelayError } from '@outflow/relay-core';
import mysql from 'mysql2/promise';
import type { MySqlSourceConfig } from './config.ts';
import { toRelayError } from './errors.ts';

/** What the source needs to know about the server it reads. */
export interface ServerInfo {
  readonly version: string;
  readonly mariadb: boolean;
  readonly serverId: number;
  /** MariaDB (always) or MySQL with gtid_mode=ON: positions can be GTID sets. */
  readonly gtids: boolean;
}

/** A binlog position: file/pos and, when the server has them, the GTIDs executed up to it. */
export interface BinlogPosition {
  readonly file: string;
  readonly pos: number;
  readonly gtids?: string;
}

/**
 * mysql2 options shared by the control, snapshot and binlog connections, chosen so that query results and
 * binlog rows arrive in the same form (see values.ts): dates as strings read in UTC, exact big numbers and
 * decimals, JSON as text.
 */
export function connectionOptions(config: MySqlSourceConfig): mysql.ConnectionOptions {
  const verify = config.sslMode === 'verify_ca' || config.sslMode === 'verify_identity';
  const ssl =
    config.sslMode === 'disabled'
      ? undefined
      : {
          rejectUnauthorized: verify,
          // Debezium's verify_ca checks the chain only; verify_identity also the host name.
          verifyIdentity: config.sslMode === 'verify_identity',
          ...(config.sslTruststore === null
            ? {}
            : { ca: readPem(config.sslTruststore, 'database.ssl.truststore') }),
          ...(config.sslKeystore === null ? {} : keystore(config)),
        };
  return {
    host: config.hostname,
    port: config.port,
    user: config.user,
    password: config.password,
    connectTimeout: config.connectTimeoutMs,
    dateStrings: true,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    charset: 'utf8mb4',
    ...(ssl === undefined ? {} : { ssl }),
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
    throw new ConfigError([{ property, message: `${path} is not a PEM file (convert a JKS store to PEM)` }]);
  return text;
}

/** The client key and chain: one PEM file serves both (OpenSSL picks the blocks of each kind). */
function keystore(config: MySqlSourceConfig): { key: string; cert: string; passphrase?: string } {
  const text = readPem(config.sslKeystore!, 'database.ssl.keystore');
  return {
    key: text,
    cert: text,
    ...(config.sslKeystorePassword === null ? {} : { passphrase: config.sslKeystorePassword }),
  };
}

/** Opens a control connection whose session reads TIMESTAMP values in UTC. */
export async function openConnection(config: MySqlSourceConfig): Promise<mysql.Connection> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection(connectionOptions(config));
  } catch (error) {
    throw toRelayError(error, `cannot connect to ${config.hostname}:${config.port}`);
  }
  conn.on('error', () => {});
  await conn.query("SET SESSION time_zone = '+00:00'");
  return conn;
}

/**
 * Checks what streaming needs (REFERENCE §3): the binlog on, `binlog_format=ROW`, `binlog_row_image=FULL`,
 * and the privilege to list binary logs. Throws a RelayError naming the setting.
 */
export async function checkServer(conn: mysql.Connection): Promise<ServerInfo> {
  const [rows] = (await conn.query(
    'SELECT VERSION() AS version, @@server_id AS serverId, @@log_bin AS logBin, @@binlog_format AS format, @@binlog_row_image AS image',
  )) as [Record<string, unknown>[], unknown];
  const row = rows[0] ?? {};
  const version = String(row.version);
  const mariadb = /mariadb/i.test(version);
  const problems = serverProblems({
    logBin: String(row.logBin),
    format: String(row.format),
    image: String(row.image),
  });
  if (problems.length > 0)
    throw new RelayError(
      'SOURCE_SERVER_MISCONFIGURED',
      `The server cannot be streamed: ${problems.join('; ')}`,
      {
        details: { problems },
      },
    );
  try {
    await conn.query('SHOW BINARY LOGS');
  } catch (error) {
    throw new RelayError(
      'SOURCE_PRIVILEGE_MISSING',
      `The user cannot list binary logs: grant REPLICATION CLIENT (MariaDB: BINLOG MONITOR) and REPLICATION SLAVE (${(error as Error).message})`,
      { cause: error },
    );
  }
  let gtids = mariadb;
  if (!mariadb) {
    const [modes] = (await conn.query('SELECT @@gtid_mode AS mode')) as [{ mode: string }[], unknown];
    gtids = String(modes[0]?.mode).toUpperCase() === 'ON';
  }
  return { version, mariadb, serverId: Number(row.serverId), gtids };
}

/** The server settings that prevent row-level streaming, each naming the setting to change (pure). */
export function serverProblems(settings: { logBin: string; format: string; image: string }): string[] {
  const problems: string[] = [];
  if (settings.logBin !== '1' && settings.logBin.toUpperCase() !== 'ON')
    problems.push('the binary log is off (enable log_bin)');
  if (settings.format.toUpperCase() !== 'ROW')
    problems.push(`binlog_format is ${settings.format}, it must be ROW`);
  if (settings.image.toUpperCase() !== 'FULL')
    problems.push(`binlog_row_image is ${settings.image}, it must be FULL`);
  return problems;
}

/** The binlog files the server still has, oldest first. */
export async function binaryLogs(conn: mysql.Connection): Promise<{ name: string; size: number }[]> {
  const [rows] = (await conn.query('SHOW BINARY LOGS')) as [Record<string, unknown>[], unknown];
  return rows.map((r) => ({ name: String(r.Log_name), size: Number(r.File_size) }));
}

/** True when `file` is still on the server (the position was not purged). */
export function isPositionAvailable(logs: readonly { name: string }[], file: string): boolean {
  return logs.some((l) => l.name === file);
}

/** The server's current binlog end and its GTIDs. */
export async function currentPosition(conn: mysql.Connection, info: ServerInfo): Promise<BinlogPosition> {
  const row = await masterStatus(conn);
  const file = String(row.File);
  const pos = Number(row.Position);
  return { file, pos, ...(await gtidsAt(conn, info, file, pos, row.Executed_Gtid_Set)) };
}

/** The server's current binlog end, without GTIDs. */
export async function logEnd(conn: mysql.Connection): Promise<{ file: string; pos: number }> {
  const row = await masterStatus(conn);
  return { file: String(row.File), pos: Number(row.Position) };
}

async function masterStatus(conn: mysql.Connection): Promise<Record<string, unknown>> {
  let rows: Record<string, unknown>[];
  try {
    [rows] = (await conn.query('SHOW MASTER STATUS')) as [Record<string, unknown>[], unknown];
  } catch {
    [rows] = (await conn.query('SHOW BINARY LOG STATUS')) as [Record<string, unknown>[], unknown];
  }
  const row = rows[0];
  if (row === undefined)
    throw new RelayError(
      'SOURCE_SERVER_MISCONFIGURED',
      'The server reports no binlog position (is log_bin on?)',
    );
  return row;
}

/**
 * Binlog bytes from `from` to `to`: the rest of `from`'s file, every file between, and `to`'s offset (pure).
 * Files are ordered by name, as the server numbers them.
 */
export function binlogDistance(
  logs: readonly { name: string; size: number }[],
  from: { file: string; pos: number },
  to: { file: string; pos: number },
): number {
  if (from.file === to.file) return Math.max(0, to.pos - from.pos);
  if (from.file > to.file) return 0;
  let bytes = to.pos;
  for (const log of logs) {
    if (log.name === from.file) bytes += Math.max(0, log.size - from.pos);
    else if (log.name > from.file && log.name < to.file) bytes += log.size;
  }
  return bytes;
}

/** GTIDs executed up to file/pos: MariaDB's BINLOG_GTID_POS, MySQL's executed set (when GTIDs are on). */
export async function gtidsAt(
  conn: mysql.Connection,
  info: ServerInfo,
  file: string,
  pos: number,
  executed?: unknown,
): Promise<{ gtids?: string }> {
  if (!info.gtids) return {};
  if (info.mariadb) {
    const [rows] = (await conn.query('SELECT BINLOG_GTID_POS(?, ?) AS gtids', [file, pos])) as [
      { gtids: string | null }[],
      unknown,
    ];
    const gtids = rows[0]?.gtids;
    return typeof gtids === 'string' && gtids.trim() !== '' ? { gtids: gtids.trim() } : {};
  }
  const set = typeof executed === 'string' ? executed.replace(/\s/g, '') : '';
  return set === '' ? {} : { gtids: set };
}
