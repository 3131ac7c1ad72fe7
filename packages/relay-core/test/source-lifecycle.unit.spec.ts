import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ChangePump,
  isConnectionLost,
  planStart,
  positionLostError,
  RecordQueue,
  RelayError,
  SnapshotMarkers,
  type SourceRecord,
  type SupervisedStatus,
  silentLogger,
  superviseSourceTask,
} from '../src/index.ts';

const record = (n: number): SourceRecord => ({
  sourcePartition: { server: 's' },
  sourceOffset: { n },
  topic: 't',
  keySchema: null,
  key: null,
  valueSchema: null,
  value: n,
  headers: [],
});

describe('start plan', () => {
  const plan = (
    mode: Parameters<typeof planStart>[0]['mode'],
    stored: 'none' | 'snapshot-incomplete' | 'complete',
    positionAvailable = true,
  ) => planStart({ mode, stored, positionAvailable });

  it('snapshots on a first start, then streams (initial) or stops (initial_only)', () => {
    assert.deepEqual(plan('initial', 'none'), { kind: 'snapshot', stream: true, gap: false });
    assert.deepEqual(plan('initial_only', 'none'), { kind: 'snapshot', stream: false, gap: false });
    assert.deepEqual(plan('when_needed', 'snapshot-incomplete'), {
      kind: 'snapshot',
      stream: true,
      gap: false,
    });
    assert.deepEqual(plan('no_data', 'none'), { kind: 'stream', from: 'current' });
  });

  it('resumes from the stored position while the server has it; initial_only stays idle', () => {
    for (const mode of ['initial', 'when_needed', 'no_data'] as const)
      assert.deepEqual(plan(mode, 'complete'), { kind: 'stream', from: 'stored' });
    assert.deepEqual(plan('initial_only', 'complete'), { kind: 'idle' });
    assert.deepEqual(plan('always', 'complete'), { kind: 'snapshot', stream: true, gap: false });
  });

  it('never moves past a lost position unless the mode was chosen for it, and then marks the gap', () => {
    assert.deepEqual(plan('initial', 'complete', false), { kind: 'lost' });
    assert.deepEqual(plan('no_data', 'complete', false), { kind: 'lost' });
    assert.deepEqual(plan('when_needed', 'complete', false), { kind: 'snapshot', stream: true, gap: true });
  });

  it('names the stored and the oldest position, and does not promise a snapshot brings back deleted outbox rows', () => {
    const error = positionLostError({
      connector: 'c1',
      what: 'binlog position',
      stored: 'bin.000001:400',
      oldest: 'bin.000003:4',
      reason: 'the binlog file holding it was purged',
    });
    assert.equal(error.code, 'SOURCE_POSITION_LOST');
    assert.equal(error.retriable, false);
    assert.match(error.message, /bin\.000001:400/);
    assert.match(error.message, /oldest position it still has is bin\.000003:4/);
    assert.match(error.message, /insert-then-delete[^.]*\) is empty, so a new snapshot recovers none/);
    assert.match(error.message, /DELETE \/connectors\/c1\/offsets/);
  });
});

describe('snapshot markers', () => {
  const mark = async (tables: number[][]) => {
    const out: string[] = [];
    const markers = new SnapshotMarkers<number>(tables.length, async (row, marker, final) => {
      out.push(`${row}:${marker}${final ? '!' : ''}`);
      return true;
    });
    for (const [i, rows] of tables.entries()) {
      markers.table(i);
      for (const r of rows) await markers.row(r);
    }
    await markers.finish();
    return out;
  };

  it("follows Debezium's precedence: last, first, last/first in data collection, true", async () => {
    assert.deepEqual(
      await mark([
        [1, 2, 3],
        [4, 5],
      ]),
      ['1:first', '2:true', '3:last_in_data_collection', '4:first_in_data_collection', '5:last!'],
    );
  });

  it('gives a one-row snapshot `last`, and an empty last table leaves the final record last_in_data_collection', async () => {
    assert.deepEqual(await mark([[1]]), ['1:last!']);
    assert.deepEqual(await mark([[1, 2], []]), ['1:first', '2:last_in_data_collection!']);
    assert.deepEqual(await mark([[], []]), []);
  });
});

describe('change pump', () => {
  it('handles messages in order and pauses the transport at capacity, resuming at half', async () => {
    const queue = new RecordQueue(4);
    const events: string[] = [];
    const handled: number[] = [];
    const pump = new ChangePump<number>({
      queue,
      weight: () => 2,
      handle: async (n) => {
        await new Promise((r) => setImmediate(r));
        handled.push(n);
        queue.offer(record(n), record(n));
      },
      onFailure: (e) => assert.fail(String(e)),
    });
    pump.attach({ pause: () => events.push('pause'), resume: () => events.push('resume') });
    // The first message is taken at once; the next two wait with 2 records each: 4 = capacity.
    pump.push(1);
    pump.push(2);
    assert.deepEqual(events, []);
    pump.push(3);
    assert.deepEqual(events, ['pause']);
    await pump.whenIdle();
    assert.deepEqual(handled, [1, 2, 3]);
    assert.equal(queue.size, 6);
    await queue.take(3, 0);
    assert.deepEqual(events, ['pause'], 'still above half of the capacity');
    await queue.take(1, 0);
    assert.deepEqual(events, ['pause', 'resume']);
  });

  it('reports a failing message and takes nothing more', async () => {
    const queue = new RecordQueue(100);
    let failure: unknown = null;
    const handled: number[] = [];
    const pump = new ChangePump<number>({
      queue,
      weight: () => 1,
      handle: (n) => {
        if (n === 2) throw new Error('bad message');
        handled.push(n);
      },
      onFailure: (e) => {
        failure = e;
      },
    });
    for (const n of [1, 2, 3]) pump.push(n);
    await pump.whenIdle();
    assert.deepEqual(handled, [1]);
    assert.match(String(failure), /bad message/);
    pump.push(4);
    assert.equal(pump.pending, 0);
  });
});

describe('connection errors', () => {
  it('knows lost and refused connections of every driver, also inside a cause chain', () => {
    for (const code of ['ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'PROTOCOL_CONNECTION_LOST', '57P01', '08006'])
      assert.equal(isConnectionLost({ code }), true, code);
    assert.equal(isConnectionLost({ errno: 2013 }), true);
    assert.equal(isConnectionLost(new Error('wrapped', { cause: { code: 'ECONNRESET' } })), true);
    for (const code of ['28P01', '42501', 'ER_ACCESS_DENIED_ERROR', undefined])
      assert.equal(isConnectionLost({ code }), false, String(code));
  });
});

describe('task supervisor', () => {
  const lost = () => new RelayError('SOURCE_UNAVAILABLE', 'connect ECONNREFUSED', { retriable: true });

  it('retries a retriable failure with backoff, reporting it while RUNNING, and clears it once the task runs', async () => {
    const statuses: SupervisedStatus[] = [];
    const lines: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (_o: object, msg?: string) => lines.push(`warn ${msg}`),
      info: (_o: object, msg?: string) => lines.push(`info ${msg}`),
    };
    const controller = new AbortController();
    let attempts = 0;
    await superviseSourceTask({
      signal: controller.signal,
      logger,
      backoff: { initialMs: 1, maxMs: 4 },
      run: async (_signal, onStarted) => {
        attempts++;
        if (attempts <= 3) throw lost();
        onStarted();
        controller.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    assert.equal(attempts, 4);
    assert.deepEqual(
      statuses.map((s) => `${s.state}${s.failure === undefined ? '' : ` ${(s.failure as RelayError).code}`}`),
      ['RUNNING SOURCE_UNAVAILABLE', 'RUNNING SOURCE_UNAVAILABLE', 'RUNNING SOURCE_UNAVAILABLE', 'RUNNING'],
    );
    assert.equal(lines.filter((l) => l.startsWith('warn')).length, 1, lines.join('\n'));
    assert.match(lines.at(-1)!, /^info the task runs again after .* of retries$/);
  });

  it('leaves the task FAILED on a failure retrying cannot fix', async () => {
    const statuses: SupervisedStatus[] = [];
    await superviseSourceTask({
      signal: new AbortController().signal,
      logger: silentLogger,
      backoff: { initialMs: 1, maxMs: 1 },
      run: async () => {
        throw new RelayError('SOURCE_POSITION_LOST', 'gone');
      },
      onStatus: (s) => statuses.push(s),
    });
    assert.equal(statuses.length, 1);
    assert.equal(statuses[0]!.state, 'FAILED');
  });
});
