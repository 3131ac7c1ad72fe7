import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MultipleErrors, ProtocolError } from '@platformatic/kafka';
import { retryDelay } from '../src/producer.ts';

const concurrent = new MultipleErrors('addPartitionsToTransaction failed', [
  new ProtocolError('CONCURRENT_TRANSACTIONS'),
]);

test('a transaction refused while the previous one completes is retried after 20 ms, then longer', () => {
  assert.deepEqual(
    [1, 2].map((attempt) => retryDelay(null, 'addPartitionsToTransaction', attempt, 3, concurrent)),
    [20, 100],
  );
});

test('the last retry of CONCURRENT_TRANSACTIONS makes up the usual budget of retries × 1 s', () => {
  const pauses = [1, 2, 3].map((attempt) => retryDelay(null, 'op', attempt, 3, concurrent));
  assert.equal(
    pauses.reduce((a, b) => a + b, 0),
    3000,
  );
  // Unlimited retries (retries: true): the pauses grow to the client's 1 s and stay there.
  assert.equal(retryDelay(null, 'op', 10, Number.POSITIVE_INFINITY, concurrent), 1000);
});

test('every other error keeps the client pause of 1 s', () => {
  assert.equal(retryDelay(null, 'op', 1, 3, new ProtocolError('NOT_LEADER_OR_FOLLOWER')), 1000);
  assert.equal(retryDelay(null, 'op', 1, 3, new Error('socket hang up')), 1000);
});
