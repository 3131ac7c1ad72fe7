import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Converter, OffsetStore, Sink, SourceTask } from '../src/contracts.ts';
import { RelayError } from '../src/errors.ts';
import { silentLogger } from '../src/logger.ts';
import type { ProducerRecord, SourceOffset, SourcePartition, SourceRecord } from '../src/record.ts';
import { runSourceTask } from '../src/task-loop.ts';

const partition = { server: 'test' };

function record(pos: number, value: unknown = { pos }): SourceRecord {
  return {
    sourcePartition: partition,
    sourceOffset: { pos },
    topic: 't',
    keySchema: null,
    key: `k${pos % 3}`,
    valueSchema: null,
    value,
    headers: [{ key: 'id', value: `id-${pos}` }],
  };
}

/** Serves the given batches, then aborts the loop through `controller`. */
function scriptedTask(batches: SourceRecord[][], controller: AbortController) {
  const commits: SourceOffset[] = [];
  let started = 0;
  let stopped = 0;
  const task: SourceTask = {
    async start() {
      started++;
    },
    async poll() {
      const next = batches.shift();
      if (next === undefined) {
        controller.abort();
        return [];
      }
      return next;
    },
    async commit(_partition: SourcePartition, offset: SourceOffset) {
      commits.push(offset);
    },
    async stop() {
      stopped++;
    },
  };
  return { task, commits, counts: () => ({ started, stopped }) };
}

const stringConverter: Converter = {
  fromConnectData(_topic, _schema, value) {
    return value === null ? null : Buffer.from(JSON.stringify(value));
  },
};

function memoryStore(): OffsetStore & { writes: SourceOffset[][] } {
  const map = new Map<string, SourceOffset>();
  const writes: SourceOffset[][] = [];
  return {
    writes,
    async get(connector, p) {
      return map.get(JSON.stringify([connector, p])) ?? null;
    },
    async set(connector, entries) {
      writes.push(entries.map((e) => e.offset));
      for (const e of entries) map.set(JSON.stringify([connector, e.partition]), e.offset);
    },
    async close() {},
  };
}

function recordingSink(failOnCall?: number): Sink & { sent: ProducerRecord[][] } {
  const sent: ProducerRecord[][] = [];
  let calls = 0;
  return {
    sent,
    async send(records) {
      calls++;
      if (calls === failOnCall) throw new Error('broker gone');
      sent.push([...records]);
    },
    async close() {},
  };
}

/** A loop over `task` with no transforms, string converters, a recording sink and an in-memory store. */
function loopOptions(
  task: SourceTask,
  signal: AbortSignal,
  overrides: Partial<Parameters<typeof runSourceTask>[0]> = {},
): Parameters<typeof runSourceTask>[0] {
  return {
    connector: 'c',
    task,
    transforms: [],
    keyConverter: stringConverter,
    valueConverter: stringConverter,
    sink: recordingSink(),
    offsetStore: memoryStore(),
    offsetFlushIntervalMs: 0,
    logger: silentLogger,
    signal,
    ...overrides,
  };
}

describe('runSourceTask', () => {
  it('delivers every batch in order and stores the offset of the last acknowledged record', async () => {
    const controller = new AbortController();
    const { task, commits } = scriptedTask([[record(1), record(2)], [record(3)]], controller);
    const sink = recordingSink();
    const store = memoryStore();
    await runSourceTask(
      loopOptions(task, controller.signal, {
        sink,
        offsetStore: store,
        offsetFlushIntervalMs: 60_000,
      }),
    );
    assert.deepEqual(
      sink.sent.flat().map((r) => r.value?.toString()),
      ['{"pos":1}', '{"pos":2}', '{"pos":3}'],
    );
    assert.equal(sink.sent[0]![0]!.headers[0]!.value!.toString(), 'id-1');
    assert.deepEqual(await store.get('c', partition), { pos: 3 });
    assert.deepEqual(commits, [{ pos: 3 }]);
  });

  it('never stores the offset of a batch Kafka did not acknowledge', async () => {
    const controller = new AbortController();
    const { task, commits } = scriptedTask([[record(1)], [record(2)], [record(3)]], controller);
    const store = memoryStore();
    await assert.rejects(
      runSourceTask(
        loopOptions(task, controller.signal, {
          sink: recordingSink(2),
          offsetStore: store,
          offsetFlushIntervalMs: 60_000,
        }),
      ),
      (error: unknown) => error instanceof RelayError && error.code === 'SINK_FAILED' && error.retriable,
    );
    assert.deepEqual(await store.get('c', partition), { pos: 1 });
    assert.deepEqual(commits, [{ pos: 1 }]);
  });

  it('counts a record a transform dropped as delivered, so its offset advances', async () => {
    const controller = new AbortController();
    const { task } = scriptedTask([[record(1), record(2, null), record(3)]], controller);
    const sink = recordingSink();
    const store = memoryStore();
    let filtered = 0;
    await runSourceTask(
      loopOptions(task, controller.signal, {
        transforms: [{ apply: (r) => (r.value === null ? null : r) }],
        sink,
        offsetStore: store,
        offsetFlushIntervalMs: 60_000,
        metrics: {
          recordsRead() {},
          recordsPublished() {},
          recordsFiltered(n) {
            filtered += n;
          },
          offsetsCommitted() {},
          error() {},
          sinkConnected() {},
        },
      }),
    );
    assert.equal(sink.sent.flat().length, 2);
    assert.equal(filtered, 1);
    assert.deepEqual(await store.get('c', partition), { pos: 3 });
  });

  it('flushes offsets at the configured interval, not only at the end', async () => {
    const controller = new AbortController();
    const { task } = scriptedTask([[record(1)], [record(2)], [record(3)]], controller);
    const store = memoryStore();
    await runSourceTask(
      loopOptions(task, controller.signal, {
        sink: recordingSink(),
        offsetStore: store,
      }),
    );
    assert.deepEqual(store.writes, [[{ pos: 1 }], [{ pos: 2 }], [{ pos: 3 }]]);
  });

  it('hands the task its stored offset at start', async () => {
    const controller = new AbortController();
    const store = memoryStore();
    await store.set('c', [{ partition, offset: { pos: 42 } }]);
    let seen: SourceOffset | null = null;
    await runSourceTask({
      connector: 'c',
      task: {
        async start(ctx) {
          seen = await ctx.offset(partition);
        },
        async poll() {
          controller.abort();
          return [];
        },
        async stop() {},
      },
      transforms: [],
      keyConverter: stringConverter,
      valueConverter: stringConverter,
      sink: recordingSink(),
      offsetStore: store,
      offsetFlushIntervalMs: 0,
      logger: silentLogger,
      signal: controller.signal,
    });
    assert.deepEqual(seen, { pos: 42 });
  });

  it('tells the task to skip deletes only when the first transform drops them all', async () => {
    const hints: (boolean | undefined)[] = [];
    const dropsDeletes = { apply: (r: SourceRecord) => r, dropsDeletes: true };
    const keepsAll = { apply: (r: SourceRecord) => r };
    for (const transforms of [[dropsDeletes], [keepsAll, dropsDeletes], []]) {
      const controller = new AbortController();
      const task: SourceTask = {
        async start(ctx) {
          hints.push(ctx.skipDeletes);
        },
        async poll() {
          controller.abort();
          return [];
        },
        async stop() {},
      };
      await runSourceTask(loopOptions(task, controller.signal, { transforms }));
    }
    assert.deepEqual(hints, [true, false, false]);
  });
});

describe('task loop: a Kafka that stops answering', () => {
  it('keeps waiting for the acknowledgement but reports the stall, then its end', async () => {
    const controller = new AbortController();
    const { task, commits } = scriptedTask([[record(1)]], controller);
    let release: () => void = () => {};
    const sink: Sink = {
      send: () => new Promise<void>((resolve) => (release = resolve)),
      async close() {},
    };
    const troubles: (string | null)[] = [];
    const connected: boolean[] = [];
    const errors: unknown[] = [];
    const lines: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (_o: object, msg?: string) => lines.push(`warn ${msg}`),
      info: (_o: object, msg?: string) => lines.push(`info ${msg}`),
    };
    const loop = runSourceTask(
      loopOptions(task, controller.signal, {
        sink,
        offsetStore: memoryStore(),
        logger,
        sinkStallWarningMs: 20,
        onTrouble: (t) => troubles.push(t === null ? null : t.code),
        metrics: {
          recordsRead() {},
          recordsPublished() {},
          recordsFiltered() {},
          offsetsCommitted() {},
          error: (e) => errors.push((e as { code?: string }).code),
          sinkConnected: (c) => connected.push(c),
        },
      }),
    );
    while (troubles.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(troubles, ['SINK_FAILED']);
    assert.deepEqual(connected, [false]);
    assert.deepEqual(errors, ['SINK_FAILED'], 'a stall is counted by kind');
    assert.deepEqual(commits, [], 'nothing is stored before Kafka acknowledges');
    assert.match(lines[0]!, /^warn Kafka has not acknowledged a batch of 1 records for 20 ms; still waiting/);
    release();
    await loop;
    assert.deepEqual(troubles, ['SINK_FAILED', null]);
    assert.deepEqual(connected, [false, true]);
    assert.match(lines.at(-1)!, /^info Kafka acknowledged again after \d+ ms$/);
    assert.deepEqual(commits, [{ pos: 1 }]);
  });

  it('does not blame Kafka for the time this process itself did not run', async () => {
    const controller = new AbortController();
    const { task, commits } = scriptedTask([[record(1)]], controller);
    const sink: Sink = {
      async send() {
        // The process freezes right after sending (SIGSTOP, a blocked loop) for six stall periods, then the
        // acknowledgement arrives at once.
        const until = performance.now() + 120;
        while (performance.now() < until) {}
        await new Promise((r) => setTimeout(r, 5));
      },
      async close() {},
    };
    const lines: string[] = [];
    const troubles: unknown[] = [];
    await runSourceTask(
      loopOptions(task, controller.signal, {
        sink,
        logger: { ...silentLogger, warn: (_o: object, msg?: string) => lines.push(`warn ${msg}`) },
        sinkStallWarningMs: 20,
        onTrouble: (t) => troubles.push(t),
      }),
    );
    assert.deepEqual(lines, []);
    assert.deepEqual(troubles, []);
    assert.deepEqual(commits, [{ pos: 1 }]);
  });
});

describe('task loop: exactly-once', () => {
  it('fences the previous producer and reads the offsets afresh when the task first asks for them; each batch carries its offsets', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const { task } = scriptedTask([[record(1), record(2)]], controller);
    task.start = async (context) => {
      calls.push('start');
      await context.offset(partition);
      calls.push('offset read');
    };
    const sent: ProducerRecord[][] = [];
    const sink: Sink = {
      transactional: true,
      async prepare() {
        calls.push('prepare');
      },
      async send(records) {
        sent.push([...records]);
      },
      async close() {},
    };
    const store: OffsetStore = {
      ...memoryStore(),
      async refresh() {
        calls.push('refresh');
      },
      async setAtomically(_connector, entries, send) {
        calls.push('setAtomically');
        await send(
          entries.map((e) => ({
            topic: 'offsets',
            key: null,
            value: Buffer.from(JSON.stringify(e.offset)),
            headers: [],
          })),
        );
      },
    };
    await runSourceTask(
      loopOptions(task, controller.signal, {
        sink,
        offsetStore: store,
        exactlyOnce: true,
      }),
    );
    assert.deepEqual(calls, ['start', 'prepare', 'refresh', 'offset read', 'setAtomically']);
    assert.deepEqual(
      sent.map((batch) => batch.map((r) => r.topic)),
      [['t', 't', 'offsets']],
      'the records and the offset after them go in one send (one transaction)',
    );
  });
});
