import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isTransactionConflict,
  runTransaction,
  type TransactionConnection,
} from '../src/db/run-transaction.ts';

function deadlock(): Error {
  return Object.assign(new Error('Deadlock found when trying to get lock'), {
    code: 'ER_LOCK_DEADLOCK',
    errno: 1213,
  });
}

function fakeConnections() {
  const log: string[] = [];
  const acquire = async (): Promise<TransactionConnection> => ({
    executor: { query: async () => [] },
    begin: async () => void log.push('begin'),
    commit: async () => void log.push('commit'),
    rollback: async () => void log.push('rollback'),
    release: () => void log.push('release'),
    destroy: () => void log.push('destroy'),
  });
  return { log, acquire };
}

describe('runTransaction', () => {
  it('runs a deadlock victim again from the start, in a new transaction', async () => {
    const { log, acquire } = fakeConnections();
    let runs = 0;
    const result = await runTransaction(
      acquire,
      () => false,
      async () => {
        runs++;
        if (runs < 3) throw new Error('outbox insert failed', { cause: deadlock() });
        return 'done';
      },
    );
    assert.equal(result, 'done');
    assert.equal(runs, 3);
    assert.deepEqual(log, [
      'begin',
      'rollback',
      'release',
      'begin',
      'rollback',
      'release',
      'begin',
      'commit',
      'release',
    ]);
  });

  it('gives up after five conflicts and rethrows the last one', async () => {
    const { acquire } = fakeConnections();
    let runs = 0;
    await assert.rejects(
      runTransaction(
        acquire,
        () => false,
        async () => {
          runs++;
          throw Object.assign(new Error('could not serialize access'), { code: '40001' });
        },
      ),
      /could not serialize access/,
    );
    assert.equal(runs, 5);
  });

  it('does not run other failures again', async () => {
    const { acquire } = fakeConnections();
    let runs = 0;
    await assert.rejects(
      runTransaction(
        acquire,
        () => false,
        async () => {
          runs++;
          throw Object.assign(new Error('duplicate'), { code: 'ER_DUP_ENTRY' });
        },
      ),
      /duplicate/,
    );
    assert.equal(runs, 1);
  });

  it('recognises deadlocks and serialisation failures of both databases', () => {
    assert.ok(isTransactionConflict(deadlock()));
    assert.ok(isTransactionConflict(Object.assign(new Error('deadlock detected'), { code: '40P01' })));
    assert.ok(
      isTransactionConflict(
        new Error('wrapped', { cause: Object.assign(new Error('x'), { code: '40001' }) }),
      ),
    );
    assert.ok(!isTransactionConflict(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })));
  });
});
