import { isConnectionLost, RelayError } from '@outflow/relay-core';

/**
 * The MySQL source fails with relay-core's `RelayError` codes; this module maps server and driver errors
 * onto them, naming the setting or privilege at fault.
 */

/** MySQL/MariaDB error numbers the source reacts to. */
const ER_ACCESS_DENIED = 1045;
const ER_DBACCESS_DENIED = 1044;
const ER_SPECIFIC_ACCESS_DENIED = 1227;
const ER_MASTER_FATAL_READING_BINLOG = 1236;
const ER_GTID_POSITION_NOT_FOUND = 1945;
const ER_GTID_START_FROM_BINLOG_HOLE = 1955;

interface DriverError {
  code?: string;
  errno?: number;
  message?: string;
  fatal?: boolean;
}

/**
 * True when the server refused the requested binlog position (purged, or a GTID it no longer has): the
 * stream cannot go on from there, and a reconnect would not help.
 */
export function isPositionRefused(error: unknown): boolean {
  const errno = (error as DriverError | null)?.errno;
  return (
    errno === ER_MASTER_FATAL_READING_BINLOG ||
    errno === ER_GTID_POSITION_NOT_FOUND ||
    errno === ER_GTID_START_FROM_BINLOG_HOLE
  );
}

/** Maps a driver or server error to a RelayError naming what to fix. */
export function toRelayError(error: unknown, context: string): RelayError {
  if (error instanceof RelayError) return error;
  const e = (error ?? {}) as DriverError;
  const message = e.message ?? String(error);
  if (e.errno === ER_ACCESS_DENIED)
    return new RelayError(
      'SOURCE_UNAVAILABLE',
      `${context}: access denied; check database.user and database.password (${message})`,
      {
        cause: error,
      },
    );
  if (e.errno === ER_DBACCESS_DENIED || e.errno === ER_SPECIFIC_ACCESS_DENIED)
    return new RelayError(
      'SOURCE_PRIVILEGE_MISSING',
      `${context}: the user lacks a privilege; grant REPLICATION SLAVE, REPLICATION CLIENT, SELECT ` +
        `(and RELOAD for snapshots on MySQL) (${message})`,
      { cause: error },
    );
  if (isPositionRefused(error))
    return new RelayError(
      'SOURCE_POSITION_LOST',
      `${context}: the server no longer has the requested binlog position (${message}); nothing after it ` +
        'was read. See the connector documentation on lost positions for the ways forward.',
      { cause: error },
    );
  if (isConnectionLost(error))
    return new RelayError('SOURCE_UNAVAILABLE', `${context}: ${message}`, { cause: error, retriable: true });
  return new RelayError('SOURCE_UNAVAILABLE', `${context}: ${message}`, { cause: error });
}
