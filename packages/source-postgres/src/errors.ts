import { isConnectionLost, RelayError } from '@outflow/relay-core';

/**
 * The PostgreSQL source fails with relay-core's `RelayError` codes; this module maps server and driver errors
 * onto them, naming the setting or privilege at fault.
 */

/** Maps a connection or query error to a RelayError naming what to fix. */
export function toRelayError(error: unknown, context: string): RelayError {
  if (error instanceof RelayError) return error;
  const e = (error ?? {}) as { code?: string; message?: string };
  const message = `${context}: ${e.message ?? String(error)}`;
  switch (e.code) {
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return new RelayError(
        'SOURCE_UNAVAILABLE',
        `${context}: the server's TLS certificate is not signed by a CA of database.sslrootcert (${e.code}: ${e.message})`,
        { cause: error },
      );
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new RelayError(
        'SOURCE_UNAVAILABLE',
        `${context}: the server's TLS certificate does not name database.hostname (database.sslmode=verify-full): ${e.message}`,
        { cause: error },
      );
    case '28P01':
    case '28000':
      return new RelayError(
        'SOURCE_UNAVAILABLE',
        `${message} (check database.user and database.password, and pg_hba.conf)`,
        {
          cause: error,
        },
      );
    case '42501':
      return new RelayError('SOURCE_PRIVILEGE_MISSING', message, { cause: error });
    case '3D000':
      return new RelayError('SOURCE_UNAVAILABLE', `${message} (check database.dbname)`, { cause: error });
    case '53400':
      return new RelayError(
        'SOURCE_SERVER_MISCONFIGURED',
        `${message} (raise max_replication_slots / max_wal_senders)`,
        {
          cause: error,
        },
      );
    default:
      // pg raises a lost connection ("Connection terminated unexpectedly") without a code.
      return new RelayError('SOURCE_UNAVAILABLE', message, {
        cause: error,
        retriable: e.code === undefined || isConnectionLost(error),
      });
  }
}
