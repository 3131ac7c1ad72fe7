import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceOffset, SourceRecord, SourceTask } from '@outflow/relay-core';

/**
 * What the source contract needs from a database: a fresh database holding one captured table
 * `items (id INT PRIMARY KEY, v VARCHAR(64))`, tasks on it (optionally through a TCP proxy the harness can
 * cut), and a way to make a stored position unavailable on the server.
 */
export interface SourceHarness {
  /** Creates a task capturing `items`; `props` override connector properties (e.g. `snapshot.mode`). */
  createTask(props?: Record<string, string>, options?: { viaProxy?: boolean }): SourceTask;
  /** Inserts rows with these ids in one transaction. */
  insert(ids: readonly number[]): Promise<void>;
  /** Inserts rows with these ids and deletes them again, in one transaction (the outbox's default). */
  insertThenDelete(ids: readonly number[]): Promise<void>;
  /** A stored offset whose position the server no longer has (a purged binlog, a dropped slot). */
  lostOffset(stored: SourceOffset): Promise<SourceOffset>;
  /** Cuts every connection made through the proxy; `restoreProxy` accepts connections again. */
  cutProxy(): Promise<void>;
  restoreProxy(): Promise<void>;
  dispose(): Promise<void>;
}

type Stored = { offset: SourceOffset | null };

/** Starts `task` with an in-memory offset store that commits like the task loop: store, then `commit`. */
async function start(task: SourceTask, stored: Stored, skipDeletes = false): Promise<void> {
  await task.start({
    connector: 'contract',
    offset: async () => stored.offset,
    logger: quietLogger,
    skipDeletes,
  });
}

/** Polls until `count` change records (heartbeats left out) arrived, storing their offsets as delivered. */
async function collect(task: SourceTask, stored: Stored, count: number, timeoutMs = 20_000) {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const batch = await task.poll(AbortSignal.timeout(500));
    for (const r of batch) {
      if (!r.topic.startsWith('__debezium-heartbeat')) out.push(r);
      stored.offset = r.sourceOffset;
      await task.commit?.(r.sourcePartition, r.sourceOffset);
    }
  }
  assert.equal(
    out.length,
    count,
    `expected ${count} records, got ${out.length}: ${out.map(summary).join(' ')}`,
  );
  return out;
}

function summary(r: SourceRecord): string {
  const v = r.value as { op?: string; after?: { id?: number }; before?: { id?: number } } | null;
  return `${v?.op ?? 'tombstone'}:${v?.after?.id ?? v?.before?.id ?? '?'}`;
}

const ids = (records: readonly SourceRecord[]) =>
  records.map((r) => Number((r.value as { after: { id: number } }).after.id));

const quietLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return quietLogger;
  },
};

/**
 * The behaviour every source must show against its real database (STYLE practice 7): the start plan, the
 * snapshot markers, resuming from a stored offset without loss or repeats, a lost position failing loudly,
 * a lost connection surfacing as a retriable failure after everything received was queued, back-pressure
 * keeping order, and a stop that is safe at any moment.
 */
export function sourceContract(name: string, createHarness: () => Promise<SourceHarness>): void {
  describe(`Source contract: ${name}`, () => {
    const withHarness = async (body: (h: SourceHarness) => Promise<void>) => {
      const harness = await createHarness();
      try {
        await body(harness);
      } finally {
        await harness.dispose();
      }
    };
    const run = async <T>(task: SourceTask, body: () => Promise<T>): Promise<T> => {
      try {
        return await body();
      } finally {
        await task.stop();
      }
    };

    it('snapshots existing rows with Debezium markers, streams after them, and resumes from the stored offset', () =>
      withHarness(async (h) => {
        await h.insert([1, 2, 3]);
        const stored: Stored = { offset: null };
        const first = h.createTask({ 'snapshot.mode': 'initial' });
        await run(first, async () => {
          await start(first, stored);
          const snapshot = await collect(first, stored, 3);
          assert.deepEqual(ids(snapshot), [1, 2, 3]);
          assert.deepEqual(
            snapshot.map((r) => (r.value as { source: { snapshot: string } }).source.snapshot),
            ['first', 'true', 'last'],
          );
          assert.ok(snapshot.every((r) => (r.value as { op: string }).op === 'r'));
          await h.insert([4]);
          assert.deepEqual(ids(await collect(first, stored, 1)), [4]);
        });
        await h.insert([5, 6]);
        const second = h.createTask({ 'snapshot.mode': 'initial' });
        await run(second, async () => {
          await start(second, stored);
          const resumed = await collect(second, stored, 2);
          assert.deepEqual(ids(resumed), [5, 6], 'no re-snapshot, nothing repeated, nothing lost');
          assert.ok(resumed.every((r) => (r.value as { op: string }).op === 'c'));
        });
      }));

    it('gives a one-row snapshot the marker `last`; initial_only then stays idle on restart', () =>
      withHarness(async (h) => {
        await h.insert([1]);
        const stored: Stored = { offset: null };
        const task = h.createTask({ 'snapshot.mode': 'initial_only' });
        await run(task, async () => {
          await start(task, stored);
          const [only] = await collect(task, stored, 1);
          assert.equal((only!.value as { source: { snapshot: string } }).source.snapshot, 'last');
        });
        await h.insert([2]);
        const again = h.createTask({ 'snapshot.mode': 'initial_only' });
        await run(again, async () => {
          await start(again, stored);
          const more = await again.poll(AbortSignal.timeout(1500));
          assert.deepEqual(
            more.filter((r) => !r.topic.startsWith('__debezium')),
            [],
          );
        });
      }));

    it('fails without skipping when the stored position is gone, naming it; when_needed re-snapshots', () =>
      withHarness(async (h) => {
        await h.insert([1]);
        const stored: Stored = { offset: null };
        const task = h.createTask({ 'snapshot.mode': 'no_data' });
        await run(task, async () => {
          await start(task, stored);
          await h.insert([2]);
          await collect(task, stored, 1);
        });
        const lost: Stored = { offset: await h.lostOffset(stored.offset!) };
        const failing = h.createTask({ 'snapshot.mode': 'initial' });
        await run(failing, async () => {
          const error = await start(failing, lost).then(
            async () =>
              failing.poll(AbortSignal.timeout(5000)).then(
                () => null,
                (e: unknown) => e,
              ),
            (e: unknown) => e,
          );
          assert.ok(error !== null, 'the task must fail');
          const e = error as { code?: string; retriable?: boolean; message: string };
          assert.equal(e.code, 'SOURCE_POSITION_LOST');
          assert.equal(e.retriable, false);
          assert.match(e.message, /no longer available/);
        });
        const recovering = h.createTask({ 'snapshot.mode': 'when_needed' });
        await run(recovering, async () => {
          await start(recovering, lost);
          const again = await collect(recovering, lost, 2);
          assert.deepEqual(ids(again), [1, 2]);
          assert.ok(again.every((r) => (r.value as { op: string }).op === 'r'));
        });
      }));

    it('surfaces a lost connection as a retriable failure after queueing what it received, and resumes', () =>
      withHarness(async (h) => {
        const stored: Stored = { offset: null };
        const task = h.createTask({ 'snapshot.mode': 'no_data' }, { viaProxy: true });
        await run(task, async () => {
          await start(task, stored);
          await h.insert([1, 2]);
          await collect(task, stored, 2);
          await h.cutProxy();
          const deadline = Date.now() + 20_000;
          let failure: unknown = null;
          while (failure === null && Date.now() < deadline) {
            failure = await task.poll(AbortSignal.timeout(500)).then(
              () => null,
              (e: unknown) => e,
            );
          }
          const e = failure as { code?: string; retriable?: boolean } | null;
          assert.equal(e?.code, 'SOURCE_UNAVAILABLE');
          assert.equal(e?.retriable, true);
        });
        await h.restoreProxy();
        await h.insert([3]);
        const next = h.createTask({ 'snapshot.mode': 'no_data' }, { viaProxy: true });
        await run(next, async () => {
          await start(next, stored);
          assert.deepEqual(ids(await collect(next, stored, 1)), [3]);
        });
      }));

    it('keeps order and loses nothing through back-pressure with a tiny queue', () =>
      withHarness(async (h) => {
        const stored: Stored = { offset: null };
        const task = h.createTask({
          'snapshot.mode': 'no_data',
          'max.queue.size': '8',
          'max.batch.size': '4',
        });
        await run(task, async () => {
          await start(task, stored);
          const all = Array.from({ length: 400 }, (_, i) => i + 1);
          for (let i = 0; i < all.length; i += 100) await h.insert(all.slice(i, i + 100));
          assert.deepEqual(ids(await collect(task, stored, all.length, 60_000)), all);
        });
      }));

    it('skips deleted rows when the first transform drops them (insert then delete), and resumes past them', () =>
      withHarness(async (h) => {
        const stored: Stored = { offset: null };
        const task = h.createTask({ 'snapshot.mode': 'no_data' });
        await run(task, async () => {
          await start(task, stored, true);
          await h.insertThenDelete([1, 2]);
          await h.insert([3]);
          assert.deepEqual((await collect(task, stored, 3)).map(summary), ['c:1', 'c:2', 'c:3']);
        });
        // Without the hint the deletes and their tombstones are read; the skipped ones are not replayed.
        await h.insertThenDelete([4]);
        const full = h.createTask({ 'snapshot.mode': 'no_data' });
        await run(full, async () => {
          await start(full, stored);
          assert.deepEqual((await collect(full, stored, 3)).map(summary), ['c:4', 'd:4', 'tombstone:?']);
        });
      }));

    it('stops cleanly at any moment: before start, while starting, while streaming', () =>
      withHarness(async (h) => {
        const idle = h.createTask();
        await idle.stop();
        const starting = h.createTask({ 'snapshot.mode': 'initial' });
        const started = start(starting, { offset: null }).catch(() => undefined);
        await starting.stop();
        await started;
        const streaming = h.createTask({ 'snapshot.mode': 'no_data' });
        await start(streaming, { offset: null });
        await h.insert([1]);
        await streaming.poll(AbortSignal.timeout(200));
        await streaming.stop();
      }));
  });
}
