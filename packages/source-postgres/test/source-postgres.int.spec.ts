// biome-ignore-all lint/suspicious/noExplicitAny: the assertions read untyped record values
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createJsonConverter } from '@outflow/relay-core';
import { createPostgresDatabase, type TestDatabase, uniqueName } from '@outflow/testing';
import { parseLsn } from '../src/decoder/copy-data.ts';
import {
  confirmedFlush,
  confirmedFlushReaching,
  describe as describeRecord,
  dropSlotIfExists,
  Harness,
  sql,
  testConfig,
} from './support.ts';

const OUTBOX_DDL = `CREATE TABLE outbox (
  id uuid PRIMARY KEY, aggregatetype varchar(255) NOT NULL, aggregateid varchar(255) NOT NULL,
  type varchar(255) NOT NULL, payload jsonb, timestamp timestamptz NOT NULL DEFAULT now())`;

describe('PostgreSQL source (real server)', () => {
  let db: TestDatabase;
  const slots: string[] = [];
  const newSlot = () => {
    const s = uniqueName('slot');
    slots.push(s);
    return s;
  };
  const harnesses: Harness[] = [];
  const open = async (props: Record<string, string>, stored: Record<string, unknown> | null = null) => {
    const h = new Harness(testConfig(db.name, props), stored);
    harnesses.push(h);
    return h.start();
  };

  before(async () => {
    db = await createPostgresDatabase('pgsrc');
    await sql(db.name, OUTBOX_DDL);
  });

  after(async () => {
    for (const h of harnesses) await h.stop().catch(() => {});
    for (const s of slots) await dropSlotIfExists(s);
    await db.drop();
  });

  it('streams an outbox insert-then-delete in one transaction as c, d and a tombstone with exact fields', async () => {
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.outbox',
    });
    await waitStreaming(slot);
    await sql(
      db.name,
      `BEGIN;
       INSERT INTO outbox VALUES ('6b1a0c9e-3c0e-4c36-9a57-6f3d7f6f0e11', 'Course', 'c-1', 'CourseCreated', '{"title":"TS"}', '2024-05-06T07:08:09.123456Z');
       DELETE FROM outbox WHERE id = '6b1a0c9e-3c0e-4c36-9a57-6f3d7f6f0e11';
       COMMIT;`,
    );
    const records = await h.pollUntil(3);
    assert.deepEqual(records.map(describeRecord), [
      'dbserver1.public.outbox:c',
      'dbserver1.public.outbox:d',
      'dbserver1.public.outbox:tombstone',
    ]);
    const created = records[0]!.value as Record<string, any>;
    assert.deepEqual(created.after, {
      id: '6b1a0c9e-3c0e-4c36-9a57-6f3d7f6f0e11',
      aggregatetype: 'Course',
      aggregateid: 'c-1',
      type: 'CourseCreated',
      payload: '{"title": "TS"}',
      timestamp: '2024-05-06T07:08:09.123456Z',
    });
    assert.equal(created.before, null);
    assert.equal(created.source.connector, 'postgresql');
    assert.equal(created.source.name, 'dbserver1');
    assert.equal(created.source.db, db.name);
    assert.equal(created.source.schema, 'public');
    assert.equal(created.source.table, 'outbox');
    assert.equal(created.source.snapshot, 'false');
    assert.equal(typeof created.source.txId, 'number');
    assert.equal(typeof created.source.lsn, 'number');
    assert.match(created.source.sequence, /^\[(null|"\d+"),"\d+"\]$/);
    assert.deepEqual(records[0]!.key, { id: '6b1a0c9e-3c0e-4c36-9a57-6f3d7f6f0e11' });
    const deleted = records[1]!.value as Record<string, any>;
    assert.equal(deleted.after, null);
    assert.equal(deleted.before.id, '6b1a0c9e-3c0e-4c36-9a57-6f3d7f6f0e11');
    assert.deepEqual(records[2]!.key, { id: '6b1a0c9e-3c0e-4c36-9a57-6f3d7f6f0e11' });
    assert.deepEqual(records[0]!.sourcePartition, { server: 'dbserver1' });
    const last = records[2]!.sourceOffset as any;
    assert.ok(last.lsn > last.lsn_commit!, 'the last record of the transaction confirms past its commit');
    const first = records[0]!.sourceOffset as any;
    assert.equal(first.lsn, first.lsn_commit, 'an inner record confirms only up to its transaction');
  });

  it('reports the records it holds and WAL bytes to the server end, marked inexact', async () => {
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.outbox',
    });
    await waitStreaming(slot);
    const before = Date.now();
    await sql(
      db.name,
      `INSERT INTO outbox VALUES ('0d4c0b5e-8a57-4c4e-9f55-3d1e2a7b6c01', 'Course', 'c-9', 'CourseCreated', '{}', now())`,
    );
    const deadline = Date.now() + 10_000;
    while (h.task.pending().records === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const pending = h.task.pending();
    assert.equal(pending.records, 1);
    assert.ok(pending.oldestSourceTsMs !== undefined && pending.oldestSourceTsMs >= before - 1000);
    const backlog = await h.task.backlog();
    assert.ok(backlog !== undefined, 'the stream has read something, so the distance is known');
    assert.equal(backlog.exact, false);
    assert.ok(Number.isSafeInteger(backlog.bytes) && backlog.bytes >= 0);
    await h.pollUntil(1);
    assert.equal(h.task.pending().records, 0);
  });

  it('round-trips every mapped column type', async () => {
    await sql(
      db.name,
      `CREATE TABLE types (id int PRIMARY KEY, t text, v varchar(10), c char(3), n name, u uuid, j json, jb jsonb,
        b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, num numeric(10,2), numv numeric,
        tstz timestamptz, ts timestamp, ts3 timestamp(3), d date, tm time, by bytea, ta text[], ia int4[])`,
    );
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.types',
    });
    await waitStreaming(slot);
    await sql(
      db.name,
      `INSERT INTO types VALUES (1, 'héllo', 'vc', 'ab', 'nm', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b": [1, 2]}',
        true, -32768, 2147483647, 9007199254740993, 1.5, 1.0000000000000002, -12345678.91, 0.000123,
        '2024-02-29 23:59:59.5+02', '1999-12-31 23:59:59.123456', '2000-01-01 00:00:00.5', '2024-02-29', '13:14:15.5',
        '\\xDEADBEEF', '{"a b",NULL,"c,d"}', '{1,2,3}')`,
    );
    const [record] = await h.pollUntil(1);
    const after = (record!.value as Record<string, any>).after;
    assert.equal(after.t, 'héllo');
    assert.equal(after.v, 'vc');
    assert.equal(after.c, 'ab ');
    assert.equal(after.n, 'nm');
    assert.equal(after.u, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.equal(after.j, '{"a": 1}');
    assert.equal(after.jb, '{"b": [1, 2]}');
    assert.equal(after.b, true);
    assert.equal(after.i2, -32768);
    assert.equal(after.i4, 2147483647);
    assert.equal(after.i8, 9007199254740993n);
    assert.equal(after.f4, 1.5);
    assert.equal(after.f8, 1.0000000000000002);
    assert.deepEqual([...after.num], [0xb6, 0x69, 0xfd, 0x2d]); // -1234567891 unscaled, two's complement
    assert.equal(after.numv.scale, 6);
    assert.deepEqual([...after.numv.value], [0x7b]);
    assert.equal(after.tstz, '2024-02-29T21:59:59.500000Z', 'padded to the default scale 6');
    assert.equal(after.ts, Date.UTC(1999, 11, 31, 23, 59, 59) * 1000 + 123456);
    assert.equal(after.ts3, Date.UTC(2000, 0, 1) + 500);
    assert.equal(after.d, Date.UTC(2024, 1, 29) / 86_400_000);
    assert.equal(after.tm, (13 * 3600 + 14 * 60 + 15) * 1_000_000 + 500_000);
    assert.deepEqual([...after.by], [0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual(after.ta, ['a b', null, 'c,d']);
    assert.deepEqual(after.ia, [1, 2, 3]);
    const fields = (record!.valueSchema!.fields![0]!.schema.fields ?? []).map((f) => [
      f.name,
      f.schema.name ?? f.schema.type,
    ]);
    assert.deepEqual(Object.fromEntries(fields), {
      id: 'int32',
      t: 'string',
      v: 'string',
      c: 'string',
      n: 'string',
      u: 'io.debezium.data.Uuid',
      j: 'io.debezium.data.Json',
      jb: 'io.debezium.data.Json',
      b: 'boolean',
      i2: 'int16',
      i4: 'int32',
      i8: 'int64',
      f4: 'float32',
      f8: 'float64',
      num: 'org.apache.kafka.connect.data.Decimal',
      numv: 'io.debezium.data.VariableScaleDecimal',
      tstz: 'io.debezium.time.ZonedTimestamp',
      ts: 'io.debezium.time.MicroTimestamp',
      ts3: 'io.debezium.time.Timestamp',
      d: 'io.debezium.time.Date',
      tm: 'io.debezium.time.MicroTime',
      by: 'bytes',
      ta: 'array',
      ia: 'array',
    });
    // The record goes through Connect's JsonConverter as Kafka gets it (precise decimals once crashed here).
    const json = JSON.parse(
      createJsonConverter({ schemasEnable: true })
        .fromConnectData(record!.topic, record!.valueSchema, record!.value)!
        .toString(),
    );
    assert.equal(json.payload.after.num, Buffer.from([0xb6, 0x69, 0xfd, 0x2d]).toString('base64'));
    assert.deepEqual(json.payload.after.numv, { scale: 6, value: 'ew==' });
    const jsonTypes = Object.fromEntries(
      json.schema.fields[1].fields.map((f: { field: string; type: string }) => [f.field, f.type]),
    );
    assert.equal(jsonTypes.f4, 'float');
    assert.equal(jsonTypes.f8, 'double');
  });

  it('carries column defaults, user enums and padded timestamptz(3); a delete before image takes the defaults', async () => {
    await sql(
      db.name,
      `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
       CREATE TABLE defaults (id serial PRIMARY KEY, n int NOT NULL DEFAULT 42, s text NOT NULL DEFAULT 'dflt',
         m mood NOT NULL DEFAULT 'ok', t3 timestamptz(3) NOT NULL DEFAULT '2024-01-02 03:04:05+00', plain int NOT NULL)`,
    );
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.defaults',
    });
    await waitStreaming(slot);
    await sql(
      db.name,
      "INSERT INTO defaults (n, s, m, t3, plain) VALUES (7, 'x', 'happy', '2024-05-06 07:08:01+00', 5)",
    );
    await sql(db.name, 'DELETE FROM defaults');
    const [created, deleted] = await h.pollUntil(2);
    const fields = Object.fromEntries(
      (created!.valueSchema!.fields![1]!.schema.fields ?? []).map((f) => [f.name, f.schema]),
    );
    assert.equal(fields.id!.default, 0, 'a serial default (nextval) is 0, as in Debezium');
    assert.equal(fields.n!.default, 42);
    assert.equal(fields.s!.default, 'dflt');
    assert.equal(fields.t3!.default, '2024-01-02T03:04:05.000Z');
    assert.equal(fields.plain!.default, undefined);
    assert.deepEqual(
      { name: fields.m!.name, allowed: fields.m!.parameters?.allowed, default: fields.m!.default },
      { name: 'io.debezium.data.Enum', allowed: 'sad,ok,happy', default: 'ok' },
    );
    const after = (created!.value as Record<string, any>).after;
    assert.equal(after.m, 'happy');
    assert.equal(after.t3, '2024-05-06T07:08:01.000Z');
    // REPLICA IDENTITY DEFAULT: the old tuple has the key only; NOT NULL columns take their default.
    assert.deepEqual((deleted!.value as Record<string, any>).before, {
      id: after.id,
      n: 42,
      s: 'dflt',
      m: 'ok',
      t3: '2024-01-02T03:04:05.000Z',
      plain: 0,
    });
  });

  it('emits the unavailable-value placeholder for an unchanged TOASTed column', async () => {
    await sql(
      db.name,
      'CREATE TABLE docs (id int PRIMARY KEY, title text, body text); ALTER TABLE docs ALTER body SET STORAGE EXTERNAL',
    );
    const big = 'x'.repeat(10_000);
    await sql(db.name, 'INSERT INTO docs VALUES (1, $1, $2)', ['first', big]);
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.docs',
    });
    await waitStreaming(slot);
    await sql(db.name, "UPDATE docs SET title = 'second' WHERE id = 1");
    const [record] = await h.pollUntil(1);
    const value = record!.value as Record<string, any>;
    assert.equal(value.op, 'u');
    assert.equal(value.after.title, 'second');
    assert.equal(value.after.body, '__debezium_unavailable_value');
    assert.equal(value.before, null);
  });

  it('snapshots existing rows (op=r) under the slot snapshot, then streams without a gap', async () => {
    await sql(db.name, 'CREATE TABLE snap (id int PRIMARY KEY, v text)');
    await sql(db.name, "INSERT INTO snap SELECT g, 'v' || g FROM generate_series(1, 5) g");
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'table.include.list': 'public.snap',
    });
    await waitSlot(slot, false); // the slot exists: its exported snapshot decides what the snapshot sees
    await sql(db.name, "INSERT INTO snap VALUES (6, 'v6')");
    const records = await h.pollUntil(6);
    const ids = records.map((r) => (r.value as any).after.id);
    assert.deepEqual(ids.slice(0, 5).sort(), [1, 2, 3, 4, 5]);
    assert.deepEqual(
      records.slice(0, 5).map((r) => (r.value as any).op),
      ['r', 'r', 'r', 'r', 'r'],
    );
    assert.deepEqual(
      records.slice(0, 5).map((r) => (r.value as any).source.snapshot),
      ['first', 'true', 'true', 'true', 'last'],
    );
    assert.equal((records[4]!.sourceOffset as any).last_snapshot_record, true);
    const txIds = new Set(records.slice(0, 5).map((r) => (r.value as any).source.txId));
    assert.equal(txIds.size, 1, 'one snapshot transaction');
    assert.equal(typeof [...txIds][0], 'number', "the snapshot transaction's id, as Debezium gives it");
    assert.equal((records[5]!.value as any).op, 'c');
    assert.equal((records[5]!.value as any).after.id, 6);
    await h.pollFor(300);
    assert.equal(h.received.length, 6, 'no duplicates');
  });

  it('advances confirmed_flush_lsn only in commit, and resumes after a partial commit without loss', async () => {
    await sql(db.name, 'CREATE TABLE resume (id int PRIMARY KEY)');
    const slot = newSlot();
    const props = {
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.resume',
    };
    const h1 = await open(props);
    await waitStreaming(slot);
    const initial = await confirmedFlush(slot);
    await sql(db.name, 'INSERT INTO resume VALUES (1)');
    await sql(
      db.name,
      'BEGIN; INSERT INTO resume VALUES (2); INSERT INTO resume VALUES (3); INSERT INTO resume VALUES (4); COMMIT',
    );
    const records = await h1.pollUntil(4);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // status updates go out every second
    // An idle task may confirm other databases' WAL before the inserts, never a change not yet delivered.
    const firstCommit = BigInt((records[0]!.sourceOffset as any).lsn_commit);
    assert.ok((await confirmedFlush(slot))! < firstCommit, 'nothing undelivered confirmed before commit');
    await h1.deliver(records[0]!);
    await h1.deliver(records[1]!); // id 2: the second transaction is only partly delivered
    const afterCommit = await confirmedFlushReaching(
      slot,
      BigInt((records[1]!.sourceOffset as any).lsn_commit),
    );
    assert.ok(afterCommit !== null && initial !== null && afterCommit > initial, 'commit advanced the slot');
    assert.equal(
      afterCommit,
      BigInt((records[1]!.sourceOffset as any).lsn_commit),
      'confirmed up to the partial transaction only',
    );
    await h1.stop();
    const h2 = await open(props, h1.stored);
    const replayed = await h2.pollUntil(2);
    assert.deepEqual(
      replayed.map((r) => (r.value as any).after.id),
      [3, 4],
    );
    await h2.pollFor(300);
    assert.equal(h2.received.length, 2);
  });

  it('emits heartbeats carrying the server position, which commit confirms', async () => {
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.nothing',
      'heartbeat.interval.ms': '200',
    });
    await waitStreaming(slot);
    const before = await confirmedFlush(slot);
    await sql(db.name, "INSERT INTO outbox VALUES (gen_random_uuid(), 'a', 'b', 'c', '{}', now())");
    const deadline = Date.now() + 10_000;
    let hb: any;
    while (Date.now() < deadline) {
      const got = await h.pollFor(300);
      hb = got.find(
        (r) =>
          r.topic === '__debezium-heartbeat.dbserver1' &&
          BigInt((r.sourceOffset as any).lsn) > (before ?? 0n),
      );
      if (hb) break;
    }
    assert.ok(hb, 'a heartbeat past the insert arrived');
    assert.deepEqual(hb.key, { serverName: 'dbserver1' });
    assert.equal(typeof hb.value.ts_ms, 'number');
    await h.deliver(hb);
    // At least the heartbeat's position; an idle task may also confirm the server's later keepalives.
    assert.ok(
      (await confirmedFlushReaching(slot, BigInt(hb.sourceOffset.lsn)))! >= BigInt(hb.sourceOffset.lsn),
    );
  });

  it('confirms the server position once everything received is delivered, and not before', async () => {
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.outbox',
      'status.update.interval.ms': '200',
    });
    await waitStreaming(slot);
    await sql(db.name, "INSERT INTO outbox VALUES (gen_random_uuid(), 'a', 'b', 'c', '{}', now())");
    const [change] = await h.pollUntil(1);
    // The flush position: a walsender sends no further than it; pg_current_wal_lsn() (the write position) may be
    // ahead of it while other test files write WAL.
    const held = parseLsn((await sql(db.name, 'SELECT pg_current_wal_flush_lsn()::text AS l')).rows[0].l);
    // Received but not delivered: keepalives must not move the slot past it.
    await h.pollFor(1500);
    assert.ok((await confirmedFlush(slot))! < held, 'the slot stays before an undelivered change');
    await h.deliver(change!);
    // Past the change's own commit, only a keepalive's position moves the slot; in a full run, with other test
    // files writing WAL, the slot got there ~10 s after the delivery (~2 s alone). Why so late is not known.
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline && (await confirmedFlush(slot))! < held) await h.pollFor(300);
    const confirmed = (await confirmedFlush(slot))!;
    assert.ok(
      confirmed >= held,
      `caught up: the slot follows the server (confirmed ${confirmed}, held ${held})`,
    );
  });

  it('has its slot once start resolves: a change committed right after a first start is streamed', async () => {
    await sql(db.name, 'CREATE TABLE first_start (id int PRIMARY KEY)');
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.first_start',
    });
    await sql(db.name, 'INSERT INTO first_start VALUES (1)');
    const [record] = await h.pollUntil(1);
    assert.equal((record!.value as any).after.id, 1);
  });

  it('waits as a standby while another task holds the slot and takes over when it stops', async () => {
    await sql(db.name, 'CREATE TABLE standby (id int PRIMARY KEY)');
    const slot = newSlot();
    const props = {
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'table.include.list': 'public.standby',
    };
    const first = await open(props);
    await waitStreaming(slot);
    const second = await open(props);
    await second.pollFor(600);
    assert.equal(second.task.isStandby(), true);
    assert.equal(first.task.isStandby(), false);
    await sql(db.name, 'INSERT INTO standby VALUES (1)');
    const [one] = await first.pollUntil(1);
    await first.deliver(one!);
    await first.stop();
    second.stored = first.stored;
    await sql(db.name, 'INSERT INTO standby VALUES (2)');
    const got = await second.pollUntil(1);
    assert.deepEqual(
      got.map((r) => (r.value as any).after.id),
      [2],
    );
    assert.equal(second.task.isStandby(), false);
  });

  it('drops its slot on stop when slot.drop.on.stop is set', async () => {
    const slot = newSlot();
    const h = await open({
      'slot.name': slot,
      'publication.name': `pub_${slot}`,
      'snapshot.mode': 'no_data',
      'slot.drop.on.stop': 'true',
    });
    await waitStreaming(slot);
    await h.stop();
    const r = await sql('outflow', 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    assert.equal(r.rowCount, 0);
  });

  it('names the user and the fix when the REPLICATION attribute is missing', async () => {
    const role = uniqueName('norepl');
    await sql('outflow', `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
    try {
      const config = { ...testConfig(db.name, { 'slot.name': newSlot() }), user: role, password: 'pw' };
      const h = new Harness(config);
      harnesses.push(h);
      await assert.rejects(h.start(), (error: any) => {
        assert.equal(error.code, 'SOURCE_PRIVILEGE_MISSING');
        assert.match(error.message, new RegExp(`user '${role}'`));
        assert.match(error.message, new RegExp(`ALTER ROLE "${role}" REPLICATION`));
        return true;
      });
    } finally {
      await sql('outflow', `DROP ROLE ${role}`).catch(() => {});
    }
  });
});

/** Waits until some process streams from the slot. */
function waitStreaming(slot: string): Promise<void> {
  return waitSlot(slot, true);
}

/** Waits until the slot exists (and, with `active`, until some process streams from it). */
async function waitSlot(slot: string, active: boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await sql('outflow', 'SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    if (r.rows.length > 0 && (!active || r.rows[0]?.active === true)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`slot ${slot} never became active`);
}
