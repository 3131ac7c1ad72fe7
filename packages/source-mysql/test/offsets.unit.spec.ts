import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeartbeatTimer, heartbeatRecord, RecordQueue, type SourceRecord } from '@outflow/relay-core';
import { eventStart } from '../src/binlog-client.ts';
import { parseStoredOffset, TransactionCursor, toSourceOffset } from '../src/offsets.ts';
import { serverProblems } from '../src/server.ts';

const start = { file: 'bin.000003', pos: 1000, gtidsBefore: '0-1-10', tsSec: 5, serverId: 1 };
const fallback = { file: 'bin.000003', pos: 1000, tsSec: 5, serverId: 1 };

describe('offsets', () => {
  it('parses and serialises Debezium-shaped offsets', () => {
    const parsed = parseStoredOffset({
      ts_sec: 1,
      file: 'f.1',
      pos: '44',
      gtids: '0-1-2',
      event: 2,
      row: 1,
      server_id: 9,
    });
    assert.deepEqual(parsed, {
      ts_sec: 1,
      file: 'f.1',
      pos: 44,
      gtids: '0-1-2',
      event: 2,
      row: 1,
      server_id: 9,
    });
    assert.deepEqual(Object.keys(toSourceOffset(parsed!)), [
      'ts_sec',
      'file',
      'pos',
      'gtids',
      'event',
      'row',
      'server_id',
    ]);
    assert.equal(parseStoredOffset(null), null);
    assert.equal(parseStoredOffset({ lsn: 5 }), null);
    assert.equal(parseStoredOffset({ file: 'f', pos: 4, snapshot: true })?.snapshot, true);
  });

  it('gives each row an offset at its transaction start with event/row counts', () => {
    const cursor = new TransactionCursor(null);
    cursor.begin(start);
    assert.equal(cursor.rowsEvent(), 0);
    assert.deepEqual(cursor.rowOffset(0, fallback), {
      ts_sec: 5,
      file: 'bin.000003',
      pos: 1000,
      gtids: '0-1-10',
      event: 0,
      row: 1,
      server_id: 1,
    });
    assert.equal(cursor.rowsEvent(), 0);
    assert.equal(cursor.rowOffset(2, fallback).event, 1);
    assert.equal(cursor.rowOffset(2, fallback).row, 3);
    const after = cursor.commit({ file: 'bin.000003', pos: 2000, gtids: '0-1-11', tsSec: 6, serverId: 1 });
    assert.deepEqual(after, {
      ts_sec: 6,
      file: 'bin.000003',
      pos: 2000,
      gtids: '0-1-11',
      event: 0,
      row: 0,
      server_id: 1,
    });
  });

  it('skips on restart exactly what was delivered, in the first transaction only', () => {
    const cursor = new TransactionCursor({
      ts_sec: 5,
      file: 'bin.000003',
      pos: 1000,
      event: 1,
      row: 2,
      server_id: 1,
    });
    cursor.begin(start);
    assert.equal(cursor.rowsEvent(), Number.POSITIVE_INFINITY); // event 0: fully delivered
    assert.equal(cursor.rowsEvent(), 2); // event 1: first two rows delivered
    assert.equal(cursor.rowsEvent(), 0); // event 2: new
    cursor.commit({ ...fallback, pos: 2000 });
    cursor.begin({ ...start, pos: 2000 });
    assert.equal(cursor.rowsEvent(), 0);
  });

  it('skips nothing after a commit-point offset', () => {
    const cursor = new TransactionCursor({ ts_sec: 5, file: 'f', pos: 1, event: 0, row: 0, server_id: 1 });
    cursor.begin(start);
    assert.equal(cursor.rowsEvent(), 0);
  });
});

describe('heartbeats', () => {
  it('builds Debezium heartbeat records', () => {
    const record = heartbeatRecord({
      topicsPrefix: '__debezium-heartbeat',
      serverName: 'dbserver1',
      nowMs: 42,
      partition: { server: 'dbserver1' },
      offset: { file: 'f', pos: 9 },
    });
    assert.equal(record.topic, '__debezium-heartbeat.dbserver1');
    assert.deepEqual(record.key, { serverName: 'dbserver1' });
    assert.deepEqual(record.value, { ts_ms: 42 });
    assert.equal(record.keySchema?.name, 'io.debezium.connector.common.ServerNameKey');
    assert.equal(record.valueSchema?.name, 'io.debezium.connector.common.Heartbeat');
    assert.deepEqual(record.sourceOffset, { file: 'f', pos: 9 });
  });

  it('is due after the interval only when the position moved without records', () => {
    const timer = new HeartbeatTimer(1000, 0);
    assert.equal(timer.due(5000), false); // no position yet
    timer.recordEmitted(100, 'p1');
    assert.equal(timer.due(5000), false); // position already carried by a record
    timer.positionAdvanced('p2'); // an excluded table's transaction moved the position
    assert.equal(timer.due(500), false);
    assert.equal(timer.due(1100), true);
    timer.emitted(1100);
    assert.equal(timer.due(5000), false);
    assert.equal(new HeartbeatTimer(0, 0).enabled, false);
  });
});

describe('record queue', () => {
  const rec = (n: number) => ({ topic: String(n) }) as unknown as SourceRecord;

  it('returns up to max records and waits for the first', async () => {
    const q = new RecordQueue(4);
    setTimeout(() => q.offer(rec(1)), 20);
    const got = await q.take(10, 1000);
    assert.equal(got.length, 1);
    assert.deepEqual(await q.take(10, 10), []);
  });

  it('blocks producers while full and releases them when drained', async () => {
    const q = new RecordQueue(2);
    await q.push(rec(1));
    await q.push(rec(2));
    assert.equal(q.full, true);
    let drained = 0;
    q.onDrained = () => drained++;
    const third = q.push(rec(3));
    let done = false;
    void third.then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(done, false);
    assert.equal((await q.take(2, 0)).length, 2);
    await third;
    assert.equal(drained, 1);
    assert.equal((await q.take(5, 0)).length, 1);
  });

  it('rethrows a failure once drained, and returns early on abort', async () => {
    const q = new RecordQueue(2);
    q.offer(rec(1));
    q.fail(new Error('boom'));
    assert.equal((await q.take(5, 0)).length, 1);
    await assert.rejects(q.take(5, 0), /boom/);
    const q2 = new RecordQueue(2);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 10);
    const t0 = Date.now();
    assert.deepEqual(await q2.take(5, 5000, abort.signal), []);
    assert.ok(Date.now() - t0 < 1000);
  });
});

describe('server checks', () => {
  it('names each setting that prevents streaming', () => {
    assert.deepEqual(serverProblems({ logBin: '1', format: 'ROW', image: 'FULL' }), []);
    const problems = serverProblems({ logBin: '0', format: 'MIXED', image: 'MINIMAL' });
    assert.equal(problems.length, 3);
    assert.match(problems[1]!, /binlog_format/);
    assert.match(problems[2]!, /binlog_row_image/);
  });
});

describe('binlog event positions', () => {
  it('is the start of the event: next position minus header, body and checksum', () => {
    // A 60-byte Write_rows event at 1000 with CRC32: zongji reports next 1060 and a body of 60 - 19 - 4.
    assert.equal(eventStart(1060, 37, true), 1000);
    assert.equal(eventStart(1060, 41, false), 1000);
    assert.equal(eventStart(0, 37, true), 0, 'unknown when the server gave no position');
  });
});
