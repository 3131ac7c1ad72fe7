import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchScheduler, type BatchSchedulerOptions } from '../src/consumer/batch-scheduler.ts';
import { resolveHandler, runHandlers } from '../src/consumer/dispatch.ts';
import { InboxMetrics } from '../src/consumer/metrics.ts';
import type { InboxEvent } from '../src/index.ts';

interface Rec {
  lane: string;
  key: string | null;
  bytes: number;
  offset: number;
}

/** A scheduler whose batches finish when the test says so; records what ran and what was committed. */
function harness(options: Partial<BatchSchedulerOptions<Rec>> = {}) {
  const batches: Rec[][] = [];
  const commits: string[] = [];
  const open: { batch: Rec[]; finish: (records?: Rec[]) => void }[] = [];
  let running = 0;
  let maxRunning = 0;
  const scheduler = new BatchScheduler<Rec>({
    concurrency: 4,
    maxBatch: 100,
    lingerMs: 0,
    byKey: false,
    maxRecords: 1000,
    maxBytes: 1_000_000,
    run(batch, complete) {
      batches.push([...batch]);
      running++;
      maxRunning = Math.max(maxRunning, running);
      return new Promise<void>((resolve) => {
        open.push({
          batch: [...batch],
          finish(records = [...batch]) {
            complete(records);
            running--;
            resolve();
          },
        });
      });
    },
    commit: (r) => commits.push(`${r.lane}@${r.offset}`),
    ...options,
  });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { scheduler, batches, commits, open, tick, maxRunning: () => maxRunning };
}

function records(lane: string, count: number, key = (i: number): string | null => `k${i % 3}`): Rec[] {
  return Array.from({ length: count }, (_, i) => ({ lane, key: key(i), bytes: 10, offset: i }));
}

test('a burst of one partition becomes one batch; records arriving meanwhile form the next', async () => {
  const h = harness();
  for (const r of records('p0', 5)) h.scheduler.push(r);
  await h.tick();
  assert.deepEqual(
    h.batches.map((b) => b.map((r) => r.offset)),
    [[0, 1, 2, 3, 4]],
  );
  for (const r of records('p0', 8).slice(5)) h.scheduler.push(r);
  await h.tick();
  assert.equal(h.batches.length, 1, 'one batch at a time per partition');
  h.open[0]?.finish();
  await h.tick();
  assert.deepEqual(
    h.batches[1]?.map((r) => r.offset),
    [5, 6, 7],
  );
  assert.deepEqual(h.commits, ['p0@4']);
});

test('partitions run side by side up to the concurrency, whatever order they were delivered in', async () => {
  const h = harness({ concurrency: 2, maxBatch: 2 });
  for (const r of [...records('p0', 6), ...records('p1', 6), ...records('p2', 6)]) h.scheduler.push(r);
  await h.tick();
  assert.deepEqual(
    h.batches.map((b) => b[0]?.lane),
    ['p0', 'p1'],
  );
  h.open.shift()?.finish();
  await h.tick();
  assert.equal(h.batches[2]?.[0]?.lane, 'p2', 'the next partition in turn, not p0 again');
  while (h.open.length > 0) {
    for (const o of h.open.splice(0)) o.finish();
    await h.tick();
  }
  assert.equal(h.maxRunning(), 2);
  assert.equal(h.scheduler.records, 0);
});

test('by key: batches of one partition overlap only on different keys, and commits stay contiguous', async () => {
  const h = harness({ byKey: true, maxBatch: 2 });
  // keys: a a b c
  const rs = records('p0', 4, (i) => ['a', 'a', 'b', 'c'][i] ?? null);
  for (const r of rs) h.scheduler.push(r);
  await h.tick();
  assert.deepEqual(
    h.batches.map((b) => b.map((r) => `${r.key}${r.offset}`)),
    [
      ['a0', 'a1'],
      ['b2', 'c3'],
    ],
  );
  h.open[1]?.finish(); // b and c end first: nothing may be committed past a0/a1
  await h.tick();
  assert.deepEqual(h.commits, []);
  h.open[0]?.finish();
  await h.tick();
  assert.deepEqual(h.commits, ['p0@3']);
});

test('by key: a record waits while an earlier record of its key runs, even if later keys are free', async () => {
  const h = harness({ byKey: true, maxBatch: 10 });
  h.scheduler.push({ lane: 'p0', key: 'a', bytes: 1, offset: 0 });
  await h.tick();
  for (const [offset, key] of [
    [1, 'a'],
    [2, 'b'],
    [3, 'a'],
  ] as const) {
    h.scheduler.push({ lane: 'p0', key, bytes: 1, offset });
  }
  await h.tick();
  assert.deepEqual(
    h.batches.map((b) => b.map((r) => r.offset)),
    [[0], [2]],
  );
  h.open[0]?.finish();
  await h.tick();
  assert.deepEqual(
    h.batches[2]?.map((r) => r.offset),
    [1, 3],
  );
});

test('the read-ahead waits at its record and byte bounds, and a batch takes at most half of it', async () => {
  const h = harness({ maxRecords: 4, maxBytes: 1_000_000, maxBatch: 100 });
  for (const r of records('p0', 4)) h.scheduler.push(r);
  let roomy = false;
  const waiting = h.scheduler.waitForRoom().then(() => {
    roomy = true;
  });
  await h.tick();
  assert.equal(roomy, false);
  assert.deepEqual(
    h.batches[0]?.map((r) => r.offset),
    [0, 1],
  );
  h.open[0]?.finish();
  await waiting;
  assert.equal(roomy, true);

  const bytes = harness({ maxRecords: 100, maxBytes: 25 });
  for (const r of records('p0', 3)) bytes.scheduler.push(r);
  let done = false;
  void bytes.scheduler.waitForRoom().then(() => {
    done = true;
  });
  await bytes.tick();
  assert.equal(done, false, '30 bytes read ahead of 25 allowed');
});

test('batch handlers get consecutive events they take in one call; per-event handlers one each', async () => {
  const calls: string[] = [];
  const batch = resolveHandler('handlers.A', {
    handleBatch: (_tx: unknown, events: readonly InboxEvent[]) => {
      calls.push(`A[${events.map((e) => e.id).join(',')}]`);
    },
  });
  const single = resolveHandler('handlers.B', (_tx: unknown, e: InboxEvent) => {
    calls.push(`B(${e.id})`);
  });
  const events = ['A1', 'A2', 'B3', 'A4', 'C5'].map((id) => ({ id, type: id[0] }) as unknown as InboxEvent);
  const unhandled = await runHandlers(
    { query: async () => undefined },
    events,
    (e) => (e.type === 'A' ? batch : e.type === 'B' ? single : undefined),
    new InboxMetrics(),
  );
  assert.deepEqual(calls, ['A[A1,A2]', 'B(B3)', 'A[A4]']);
  assert.deepEqual(
    [...unhandled].map((e) => e.id),
    ['C5'],
  );
  assert.throws(
    () => resolveHandler('handlers.X', { handle: () => {} }),
    /"handlers.X.handleBatch"|"handlers.X"/,
  );
});
