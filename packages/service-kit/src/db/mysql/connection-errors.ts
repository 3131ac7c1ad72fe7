import { SOCKET_ERROR_CODES, someCause } from '../pool.ts';

// Socket errors, mysql2's protocol errors after a lost connection, and server errors meaning "not now".
const UNAVAILABLE_CODES = new Set([
  ...SOCKET_ERROR_CODES,
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
]);

// mysql2 raises these without a code.
const UNAVAILABLE_MESSAGES = ['Pool is closed', "Can't add new command when connection is in closed state"];

/**
 * True if a mysql2 error means the MySQL/MariaDB server cannot be reached or dropped the connection (the
 * request may succeed later), as opposed to an error in the statement or the data.
 */
export function isMysqlUnavailable(error: unknown): boolean {
  return someCause(error, (e) => {
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    if ((e as { fatal?: unknown }).fatal === true) return true;
    return UNAVAILABLE_MESSAGES.some((m) => e.message.startsWith(m));
  });
}
