import { RelayError } from '@outflow/relay-core';

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

/** Network-level failures after which reconnecting may help. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
]);

interface DriverError {
  code?: string;
  errno?: number;
  message?: string;
  fatal?: boolean;
}

/** True when the error is a lost or refused connection (retry with backoff). */
export function isTransientConnectionError(error: unknown): boolean {
  const e = error as DriverError | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.code !== undefined && TRANSIENT_CODES.has(e.code)) return true;
  return e.errno === 2013 || e.errno === 2006 || e.errno === 1053;
}

/** The message shown when the stored binlog position was purged, with the ways out. */
export function positionLostError(position: string, cause?: unknown): RelayError {
  return new RelayError(
    'SOURCE_POSITION_LOST',
    `The binlog position ${position} is no longer available on the server (the binlog was purged). ` +
      "To recover, set 'snapshot.mode' to 'when_needed' so the connector takes a new snapshot, or stop the " +
      'connector and reset its offsets (DELETE /connectors/<name>/offsets) to start over.',
    { details: { position }, cause },
  );
}

/** Node's codes for a server certificate that does not chain to a trusted CA. */
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Node's TLS code behind one of its verification messages. */
function tlsReason(message: string): string | undefined {
  if (/self[- ]signed certificate|unable to verify|unable to get (local )?issuer/i.test(message))
    return 'SELF_SIGNED_CERT_IN_CHAIN';
  if (/does not match certificate's altnames/i.test(message)) return 'ERR_TLS_CERT_ALTNAME_INVALID';
  return undefined;
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
  if (
    e.errno === ER_MASTER_FATAL_READING_BINLOG ||
    e.errno === ER_GTID_POSITION_NOT_FOUND ||
    e.errno === ER_GTID_START_FROM_BINLOG_HOLE
  )
    return positionLostError(`requested (${message})`, error);
  if (isTransientConnectionError(error))
    return new RelayError('SOURCE_UNAVAILABLE', `${context}: ${message}`, { cause: error, retriable: true });
  // mysql2 reports every TLS failure as HANDSHAKE_SSL_ERROR with Node's message.
  const tlsCause = e.code === 'HANDSHAKE_SSL_ERROR' ? tlsReason(message) : e.code;
  if (typeof tlsCause === 'string' && TLS_TRUST_CODES.has(tlsCause))
    return new RelayError(
      'SOURCE_UNAVAILABLE',
      `${context}: the server's TLS certificate is not signed by a CA of database.ssl.truststore (${e.code}: ${message})`,
      { cause: error },
    );
  if (tlsCause === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new RelayError(
      'SOURCE_UNAVAILABLE',
      `${context}: the server's TLS certificate does not name database.hostname (database.ssl.mode=verify_identity): ${message}`,
      { cause: error },
    );
  return new RelayError('SOURCE_UNAVAILABLE', `${context}: ${message}`, { cause: error });
}
