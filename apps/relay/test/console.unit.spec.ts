/**
 * The web console's server side without Kafka: the rates it samples from what sinks deliver, the bundle's
 * loading, and its routes behind the REST API's guards (the browser suite, console.e2e.spec.ts, runs it all
 * against the real services).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ProducerRecord, Sink } from '@outflow/relay-core';
import { loadAssets } from '../src/console/assets.ts';
import { ConsoleRates } from '../src/console/rates.ts';
import { createTestRelay, eventually, fakeSource, outboxRecord } from './fakes.ts';

const record = (topic: string, value: string): ProducerRecord => ({
  topic,
  key: Buffer.from('k1'),
  value: Buffer.from(value),
  headers: [{ key: 'id', value: Buffer.from('abc') }],
});

describe('console rates', () => {
  let now = 1_000_000;
  let connectors = ['orders'];
  const rates = () =>
    new ConsoleRates({
      internalTopics: new Set(['relay.offsets']),
      connectors: () => connectors,
      now: () => now,
      samples: 3,
    });
  beforeEach(() => {
    now = 1_000_000;
    connectors = ['orders'];
  });

  it('counts what a send delivered, per second, without the worker’s own topics', async () => {
    const r = rates();
    const sink = r.wrap('orders', { send: async () => {}, close: async () => {} });
    r.sample();
    await sink.send([
      record('orders.Order', '12345'),
      record('orders.Order', '1'),
      record('relay.offsets', 'x'),
    ]);
    now += 2000;
    r.sample();
    const s = r.snapshot().orders!;
    assert.deepEqual(s.events, [0, 1]);
    // key 2 + value 5 + header 5, and key 2 + value 1 + header 5, over 2 s
    assert.deepEqual(s.bytes, [0, (12 + 8) / 2]);
    assert.equal(s.totalEvents, 2);
  });

  it('does not count a send that failed', async () => {
    const r = rates();
    const failing: Sink = {
      send: async () => {
        throw new Error('broker gone');
      },
      close: async () => {},
    };
    const sink = r.wrap('orders', failing);
    await assert.rejects(sink.send([record('orders.Order', 'v')]), /broker gone/);
    r.sample();
    assert.equal(r.snapshot().orders!.totalEvents, 0);
  });

  it('keeps the wrapped sink’s own members, private state included', async () => {
    class TransactionalSink implements Sink {
      readonly transactional = true;
      #prepared = 0;
      async send(): Promise<void> {}
      async close(): Promise<void> {}
      async prepare(): Promise<void> {
        this.#prepared++;
      }
      get prepared(): number {
        return this.#prepared;
      }
    }
    const inner = new TransactionalSink();
    const sink = rates().wrap('orders', inner);
    assert.equal(sink.transactional, true);
    await sink.prepare?.();
    assert.equal(inner.prepared, 1);
  });

  it('keeps a bounded history and forgets a deleted connector', () => {
    const r = rates();
    for (let i = 0; i < 5; i++) {
      now += 1000;
      r.sample();
    }
    assert.equal(r.snapshot().orders!.t.length, 3);
    connectors = [];
    r.sample();
    assert.equal(r.snapshot().orders, undefined);
  });
});

describe('console bundle', () => {
  it('is read from its folder, index.html asked again each time, hashed files kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-assets-'));
    try {
      assert.equal(loadAssets(dir), null, 'no index.html: not built');
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html>');
      writeFileSync(join(dir, 'assets', 'app-ABC.js'), 'export {}');
      const assets = loadAssets(dir)!;
      assert.deepEqual([...assets.keys()].sort(), ['assets/app-ABC.js', 'index.html']);
      assert.equal(assets.get('index.html')!.immutable, false);
      assert.equal(assets.get('assets/app-ABC.js')!.type, 'text/javascript; charset=utf-8');
      assert.equal(assets.get('assets/app-ABC.js')!.immutable, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('console routes (fakes)', () => {
  let t: Awaited<ReturnType<typeof createTestRelay>>;
  beforeEach(async () => {
    fakeSource.queue = [];
    fakeSource.failStart = undefined;
    fakeSource.startDelayMs = 0;
    t = await createTestRelay();
  });
  afterEach(async () => {
    await t.relay.close();
  });

  it('sends /console to /console/ (the page’s relative paths need the slash)', async () => {
    const res = await t.relay.app.inject({ method: 'GET', url: '/console' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/console/');
  });

  it('/console/api/rates counts the events a connector published', async () => {
    const created = await t.relay.app.inject({
      method: 'POST',
      url: '/connectors',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        name: 'orders',
        config: {
          'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
          'database.hostname': '127.0.0.1',
          'database.user': 'outflow',
          'database.password': 'pw',
          'database.server.id': '5401',
          'topic.prefix': 'shop',
        },
      }),
    });
    assert.equal(created.statusCode, 201, created.body);
    fakeSource.queue.push(outboxRecord('c', 'e1'), outboxRecord('c', 'e2'));
    await eventually(() => t.sent.length === 2);
    const res = await t.relay.app.inject({ method: 'GET', url: '/console/api/rates' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().connectors.orders.totalEvents, 2);
  });

  it('a tail of an unknown connector is a 404, a tail without one a 400', async () => {
    const post = (payload: unknown) =>
      t.relay.app.inject({
        method: 'POST',
        url: '/console/api/tails',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
    assert.equal((await post({ connector: 'nope' })).statusCode, 404);
    assert.equal((await post({})).statusCode, 400);
    const closed = await t.relay.app.inject({ method: 'GET', url: '/console/api/tails/00000000' });
    assert.equal(closed.statusCode, 404);
  });

  it('refuses a replay posted by another site’s page (the REST API’s Origin guard)', async () => {
    const res = await t.relay.app.inject({
      method: 'POST',
      url: '/console/api/inbox/topics/orders.dlq/replay',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example', host: 'localhost:8083' },
      payload: JSON.stringify({ partition: 0, offset: '1' }),
    });
    assert.equal(res.statusCode, 403);
  });
});
