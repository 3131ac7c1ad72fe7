/**
 * One table of the errors that mean "the connection to the database is gone or refused", for every source:
 * a source maps these to a retriable `SOURCE_UNAVAILABLE`, and the task supervisor reconnects with backoff.
 */

/** Socket and driver codes (Node's, mysql2's) of a lost or refused connection. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  // PostgreSQL SQLSTATEs: admin/crash shutdown, cannot connect now, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** MySQL client error numbers: server gone away (2006), lost during query (2013), shutdown in progress (1053). */
const CONNECTION_ERRNOS: ReadonlySet<number> = new Set([2006, 2013, 1053]);

/** True when `error` (or an error in its `cause` chain) is a lost or refused connection. */
export function isConnectionLost(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const { code, errno } = e as { code?: unknown; errno?: unknown };
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (typeof errno === 'number' && CONNECTION_ERRNOS.has(errno)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
