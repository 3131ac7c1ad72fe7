import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMysqlUnavailable } from '../src/db/mysql/connection-errors.ts';
import { isPostgresUnavailable } from '../src/db/postgres/connection-errors.ts';

const err = (message: string, props: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), props);

describe('isMysqlUnavailable', () => {
  it('recognises lost, refused and closed connections', () => {
    for (const e of [
      err('connect ECONNREFUSED 127.0.0.1:3307', { code: 'ECONNREFUSED' }),
      err('Connection lost: The server closed the connection.', {
        code: 'PROTOCOL_CONNECTION_LOST',
        fatal: true,
      }),
      err('Server shutdown in progress', { code: 'ER_SERVER_SHUTDOWN' }),
      err('Pool is closed.'),
      err('Outbox INSERT on outbox failed', {
        code: 'OUTBOX_SQL_FAILED',
        cause: err('read ECONNRESET', { code: 'ECONNRESET' }),
      }),
    ]) {
      assert.equal(isMysqlUnavailable(e), true, e.message);
    }
  });

  it('does not treat statement or data errors as unavailability', () => {
    for (const e of [
      err("Duplicate entry 'x' for key 'PRIMARY'", { code: 'ER_DUP_ENTRY' }),
      err('Data too long', { code: 'ER_DATA_TOO_LONG' }),
      err('Deadlock found', { code: 'ER_LOCK_DEADLOCK' }),
      err('anything'),
      'not even an error',
    ]) {
      assert.equal(isMysqlUnavailable(e), false, String(e));
    }
  });
});

describe('isPostgresUnavailable', () => {
  it('recognises lost, refused, shut-down and closed connections', () => {
    for (const e of [
      err('connect ECONNREFUSED 127.0.0.1:5433', { code: 'ECONNREFUSED' }),
      err('terminating connection due to administrator command', { code: '57P01' }),
      err('the database system is starting up', { code: '57P03' }),
      err('connection failure', { code: '08006' }),
      err('Connection terminated unexpectedly'),
      err('Cannot use a pool after calling end on the pool'),
      err('timeout exceeded when trying to connect'),
    ]) {
      assert.equal(isPostgresUnavailable(e), true, e.message);
    }
  });

  it('does not treat statement or data errors as unavailability', () => {
    for (const e of [
      err('duplicate key value violates unique constraint', { code: '23505' }),
      err('invalid input syntax for type uuid', { code: '22P02' }),
      err('could not serialize access', { code: '40001' }),
    ]) {
      assert.equal(isPostgresUnavailable(e), false, e.message);
    }
  });
});
