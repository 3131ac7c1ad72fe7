import { explainConnectionFailure } from '@outflow/kafka';
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
  if (isPositionRefused(error))
    return new RelayError(
      'SOURCE_POSITION_LOST',
      `${context}: the server no longer has the requested binlog position (${message}); nothing after it ` +
        'was read. See the connector documentation on lost positions for the ways forward.',
      { cause: error },
    );
  if (isConnectionLost(error))
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

/**
 * A failure to read or write the schema history topic: retriable (the task restarts and reads the history
 * again), unless the brokers refuse the connection for a reason a retry does not fix.
 */
export function schemaHistoryError(context: string, topic: string, error: unknown): RelayError {
  if (error instanceof RelayError) return error;
  const why = explainConnectionFailure(error);
  const message = error instanceof Error ? error.message : String(error);
  return new RelayError(
    'SCHEMA_HISTORY_FAILED',
    `${context} schema history topic "${topic}" (schema.history.internal.kafka.topic): ${why ?? message}`,
    { cause: error, retriable: why === undefined },
  );
}
