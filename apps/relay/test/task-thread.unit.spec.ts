import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { type OffsetStore, RelayError, type SourceOffset } from '@outflow/relay-core';
import type { ConnectorMetrics } from '../src/metrics.ts';
import type { TaskState } from '../src/worker/connector-runner.ts';
import {
  fromWireError,
  PortCalls,
  reviveRecords,
  type TaskThreadData,
  toWireError,
} from '../src/worker/task-thread-protocol.ts';
import { ThreadedConnectorRunner, taskThreadResourceLimits } from '../src/worker/threaded-runner.ts';
import { eventually } from './fakes.ts';
import { freePort } from './support/relay-process.ts';

describe('task thread protocol', () => {
  it('brings a RelayError back with its code, retriability, cause and stack', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const error = new RelayError('SOURCE_UNAVAILABLE', 'database unreachable', { retriable: true, cause });
    const back = fromWireError(structuredClone(toWireError(error)));
    assert.ok(back instanceof RelayError);
    assert.equal(back.code, 'SOURCE_UNAVAILABLE');
    assert.equal(back.retriable, true);
    assert.equal(back.message, 'database unreachable');
    assert.equal(back.stack, error.stack);
    assert.equal((back.cause as Error).message, cause.message);
    assert.equal((back.cause as { code?: unknown }).code, 'ECONNREFUSED');
  });

  it('keeps a plain error plain, and a thrown string readable', () => {
    const back = fromWireError(structuredClone(toWireError(new TypeError('boom'))));
    assert.ok(!(back instanceof RelayError));
    assert.equal(back.name, 'TypeError');
    assert.equal((back as { retriable?: unknown }).retriable, undefined);
    assert.equal(fromWireError(toWireError('just text')).message, 'just text');
  });

  it('turns the byte arrays of records that crossed threads back into Buffers, nulls kept', () => {
    const record = {
      topic: 't',
      key: Buffer.from('k'),
      value: null,
      headers: [{ key: 'id', value: Buffer.from('42') }],
    };
    const crossed = structuredClone(record);
    assert.ok(!Buffer.isBuffer(crossed.key));
    const [revived] = reviveRecords([crossed as unknown as typeof record]);
    assert.ok(Buffer.isBuffer(revived!.key));
    assert.equal(revived!.key!.toString(), 'k');
    assert.equal(revived!.value, null);
    assert.ok(Buffer.isBuffer(revived!.headers[0]!.value));
    assert.equal(revived!.headers[0]!.value!.toString(), '42');
  });

  it('settles each call by its id, and fails those left when the other side is gone', async () => {
    const calls = new PortCalls();
    const posted: number[] = [];
    const first = calls.call<string>((id) => posted.push(id));
    const second = calls.call<string>((id) => posted.push(id));
    assert.equal(posted.length, 2);
    assert.ok(calls.settle({ id: posted[1]!, value: 'two' }));
    assert.equal(await second, 'two');
    assert.equal(calls.settle({ id: posted[1]!, value: 'again' }), false);
    calls.abandon(new Error('thread ended'));
    await assert.rejects(first, /thread ended/);
  });
});

describe('ThreadedConnectorRunner', () => {
  it('reports FAILED with the reason when the thread cannot start the task, and stops cleanly after', async () => {
    const { runner, states, metricStates } = threaded('unused', { 'connector.class': 'com.example.Unknown' });
    runner.start();
    await eventually(() => runner.state === 'FAILED', 20_000);
    assert.match(runner.trace ?? '', /com\.example\.Unknown/);
    assert.deepEqual(states, ['FAILED']);
    assert.deepEqual(metricStates, ['FAILED']);
    await runner.stop();
    assert.equal(runner.state, 'FAILED');
  });

  it('runs the task in its thread: a refusing database is retried, its trace scrubbed, and stop ends it', async () => {
    const port = await freePort();
    const { runner, states, offsetCalls } = threaded(String(port), {
      name: 'thread',
      'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
      'database.hostname': '127.0.0.1',
      'database.port': String(port),
      'database.user': 'relay',
      'database.password': 'hunter2',
      'database.server.id': '5401',
      'topic.prefix': 'thread',
      'schema.history.internal.kafka.bootstrap.servers': '127.0.0.1:1',
      'schema.history.internal.kafka.topic': 'thread.history',
    });
    runner.start();
    // The source is retried with backoff (RUNNING is reported only once a start succeeds); the thread reports
    // the failure being retried as the trace, and asked the main thread's store for nothing it could not use.
    await eventually(() => runner.trace !== undefined, 20_000);
    assert.match(runner.trace ?? '', /ECONNREFUSED/);
    // The main thread scrubs what the thread reports (here the port stands in for a secret).
    assert.ok(runner.trace?.includes('<scrubbed>'), runner.trace);
    assert.ok(!runner.trace?.includes(String(port)), runner.trace);
    await runner.stop();
    assert.equal(runner.state, 'UNASSIGNED');
    assert.equal(runner.trace, undefined);
    assert.ok(!states.includes('FAILED'), `states: ${states.join(', ')}`);
    assert.ok(
      offsetCalls.every((c) => c === 'get' || c === 'refresh'),
      offsetCalls.join(', '),
    );
  });
});

describe('task thread heap', () => {
  // The heap limit (MB) a worker started with `limits` runs with: its old generation's and young generation's
  // limits together.
  const heapLimitMb = (limits: object, nodeFlags: string[] = []): number => {
    const script = `
      const { Worker } = require('node:worker_threads');
      const code = "require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)";
      new Worker(code, { eval: true, resourceLimits: ${JSON.stringify(limits)} }).on('message', (m) => console.log(m));`;
    return (
      Number(execFileSync(process.execPath, [...nodeFlags, '-e', script], { encoding: 'utf8' })) / 1048576
    );
  };

  it("is below 2 GB and Node's own limit, with 16 MB semi-spaces, unless Node's flags say otherwise", () => {
    const limits = taskThreadResourceLimits(4288);
    assert.deepEqual(limits, { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: 2000 });
    assert.equal(taskThreadResourceLimits(1500.7).maxOldGenerationSizeMb, 1500);
    assert.equal(heapLimitMb(limits), 2000 + 48);
    // What the README tells a user who needs more: V8 applies its flags after the worker's limits.
    assert.equal(
      heapLimitMb(limits, ['--max-old-space-size=3000', '--max-semi-space-size=32']),
      3000 + 3 * 32,
    );
  });
});

function threaded(secret: string, config: Record<string, string>) {
  const states: TaskState[] = [];
  const metricStates: string[] = [];
  const offsetCalls: string[] = [];
  const offsets = new Map<string, SourceOffset>();
  const offsetStore: OffsetStore = {
    async get(_connector, partition) {
      offsetCalls.push('get');
      return offsets.get(JSON.stringify(partition)) ?? null;
    },
    async set(_connector, entries) {
      offsetCalls.push('set');
      for (const e of entries) offsets.set(JSON.stringify(e.partition), e.offset);
    },
    async close() {},
  };
  const ignore = (): void => {};
  const metrics: ConnectorMetrics = {
    recordsRead: ignore,
    recordsPublished: ignore,
    recordsFiltered: ignore,
    offsetsCommitted: ignore,
    error: ignore,
    sinkConnected: ignore,
    sourceConnected: ignore,
    setState: (state) => metricStates.push(state),
  };
  const silent = { debug: ignore, info: ignore, warn: ignore, error: ignore, child: () => silent };
  const data: TaskThreadData = {
    connector: 'thread',
    config,
    sink: { bootstrapServers: '127.0.0.1:1', clientId: 'thread-test' },
    internalTopics: [],
    offsetFlushIntervalMs: 1000,
    shutdownTimeoutMs: 2000,
    backoff: { initialMs: 50, maxMs: 200 },
    logLevel: 'silent',
    offsetStore: { atomically: false, refresh: false },
  };
  const runner = new ThreadedConnectorRunner({
    data,
    offsetStore,
    metrics,
    logger: silent,
    writeLog: ignore,
    scrub: (text) => text.replaceAll(secret, '<scrubbed>'),
    onStateChange: (state) => states.push(state),
  });
  return { runner, states, metricStates, offsetCalls };
}
