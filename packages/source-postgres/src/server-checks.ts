import { RelayError } from '@outflow/relay-core';
import type { SqlExecutor } from './tables.ts';

/**
 * Start-up diagnostics: each check fails with a RelayError that names the setting or privilege at fault
 * and the fix, instead of the server's raw error from deep inside replication.
 */

/** Fails unless `wal_level` is `logical`. */
export async function checkWalLevel(db: SqlExecutor): Promise<void> {
  const result = await db.query('SHOW wal_level');
  const level = String(result.rows[0]?.wal_level ?? 'unknown');
  if (level !== 'logical')
    throw new RelayError(
      'SOURCE_SERVER_MISCONFIGURED',
      `wal_level is '${level}'; logical replication needs wal_level=logical (set it in postgresql.conf and restart)`,
      { details: { setting: 'wal_level', value: level } },
    );
}

/** Fails unless `user` has the REPLICATION attribute or is a superuser. */
export async function checkReplicationPrivilege(db: SqlExecutor, user: string): Promise<void> {
  const result = await db.query('SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = current_user');
  const row = result.rows[0];
  const yes = (v: unknown) => v === true || v === 't';
  if (row !== undefined && (yes(row.rolreplication) || yes(row.rolsuper))) return;
  throw new RelayError(
    'SOURCE_PRIVILEGE_MISSING',
    `user '${user}' lacks the REPLICATION attribute needed for logical replication; ` +
      `grant it with ALTER ROLE "${user.replace(/"/g, '""')}" REPLICATION (or connect as a user that has it)`,
    { details: { user, privilege: 'REPLICATION' } },
  );
}

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
      return new RelayError('SOURCE_UNAVAILABLE', message, {
        cause: error,
        retriable: e.code === undefined || e.code.startsWith('08') || e.code === '57P01',
      });
  }
}
