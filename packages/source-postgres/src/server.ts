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
