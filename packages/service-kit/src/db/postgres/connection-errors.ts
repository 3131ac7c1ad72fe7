import { SOCKET_ERROR_CODES, someCause } from '../pool.ts';

// SQLSTATEs: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections,
// 3D000 invalid_catalog_name (the database is gone); class 08 is "connection exception".
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300', '3D000']);

// pg and pg-pool raise these without a code.
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Cannot use a pool after calling end on the pool',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

/**
 * True if a pg error means the PostgreSQL server cannot be reached or dropped the connection (the request may
 * succeed later), as opposed to an error in the statement or the data.
 */
export function isPostgresUnavailable(error: unknown): boolean {
  return someCause(error, (e) => {
    if (typeof e.code === 'string' && (SOCKET_ERROR_CODES.has(e.code) || SERVER_CODES.has(e.code)))
      return true;
    if (typeof e.code === 'string' && /^08[0-9A-Z]{3}$/.test(e.code)) return true;
    return UNAVAILABLE_MESSAGES.some((m) => e.message.startsWith(m));
  });
}
