import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SourceRecord, silentLogger } from '@outflow/relay-core';
import type { PgOutputMessage } from '../src/decoder/pgoutput.ts';
import { DEFAULT_TYPE_MODES } from '../src/decoder/values.ts';
import { TableFilter } from '../src/filters.ts';
import {
  alreadyDelivered,
  confirmableLsn,
  heartbeatOffset,
  isSnapshotIncomplete,
  type PgOffset,
  parseOffset,
  snapshotOffset,
} from '../src/offsets.ts';
import { ChangeStreamer } from '../src/streaming.ts';
import type { CatalogTable } from '../src/tables.ts';

const catalog: CatalogTable = {
  relationId: 10,
  schema: 'public',
  table: 'items',
  columns: [
    { name: 'id', typeOid: 23, typeMod: -1, notNull: true },
    { name: 'name', typeOid: 25, typeMod: -1, notNull: true },
  ],
  keyColumns: ['id'],
};

const relation: PgOutputMessage = {
  tag: 'relation',
  relationId: 10,
  namespace: 'public',
  name: 'items',
  replicaIdentity: 'd',
  columns: [
    { isKey: true, name: 'id', typeOid: 23, typeMod: -1 },
    { isKey: false, name: 'name', typeOid: 25, typeMod: -1 },
  ],
};

const CONTEXT = [{ key: '__debezium.context.runId', value: 'run-1' }];

function streamer(options: { resumeFrom?: PgOffset | null; skipped?: string[]; include?: string[] } = {}) {
  const out: SourceRecord[] = [];
  const s = new ChangeStreamer({
    topicPrefix: 'srv',
    database: 'db',
    partition: { server: 'srv' },
    filter: new TableFilter({ tableInclude: options.include ?? null }),
    modes: DEFAULT_TYPE_MODES,
    tombstonesOnDelete: true,
    skippedOperations: new Set(options.skipped ?? ['t']),
    placeholder: '__u',
    headers: CONTEXT,
    resumeFrom: options.resumeFrom ?? null,
    readCatalog: async (id) => (id === 10 ? catalog : null),
    emit: (records) => out.push(...records),
    logger: silentLogger,
  });
  return { s, out };
}

const begin = (xid: number, finalLsn: bigint): PgOutputMessage => ({
  tag: 'begin',
  finalLsn,
  commitTimeUs: 0n,
  xid,
});
const commit = (commitLsn: bigint, endLsn: bigint): PgOutputMessage => ({
  tag: 'commit',
  flags: 0,
  commitLsn,
  endLsn,
  commitTimeUs: 0n,
});
const insert = (id: string): PgOutputMessage => ({ tag: 'insert', relationId: 10, newTuple: [id, `n${id}`] });
const op = (r: SourceRecord) => (r.value === null ? 'tombstone' : (r.value as { op: string }).op);
const offset = (r: SourceRecord) => r.sourceOffset as PgOffset;

/** Feeds one transaction: Begin at `finalLsn - 100`, changes at increasing LSNs, Commit. */
async function feed(s: ChangeStreamer, xid: number, finalLsn: bigint, changes: PgOutputMessage[]) {
  await s.handle(finalLsn - 100n, begin(xid, finalLsn));
  await s.handle(finalLsn - 99n, relation);
  let lsn = finalLsn - 90n;
  for (const change of changes) {
    lsn += 10n;
    await s.handle(lsn, change);
  }
  await s.handle(finalLsn + 40n, commit(finalLsn, finalLsn + 40n));
}

describe('change streamer', () => {
  it('holds the last change back until Commit, which gives it the confirming offset', async () => {
    const { s, out } = streamer();
    await s.handle(900n, begin(5, 1000n));
    await s.handle(901n, relation);
    await s.handle(910n, insert('1'));
    assert.equal(out.length, 0, 'held back');
    assert.equal(s.idle, false);
    await s.handle(920n, insert('2'));
    assert.equal(out.length, 1);
    assert.deepEqual(offset(out[0]!), {
      lsn: 1000,
      lsn_commit: 1000,
      lsn_proc: 910,
      txId: 5,
      ts_usec: 946_684_800_000_000,
    });
    await s.handle(1040n, commit(1000n, 1040n));
    assert.equal(out.length, 2);
    assert.deepEqual(offset(out[1]!), {
      lsn: 1040,
      lsn_commit: 1000,
      lsn_proc: 920,
      txId: 5,
      ts_usec: 946_684_800_000_000,
    });
    assert.equal(s.idle, true);
    const source = (out[1]!.value as { source: Record<string, unknown> }).source;
    assert.equal(source.lsn, 920);
    assert.equal(source.txId, 5);
    assert.equal(source.sequence, '[null,"920"]');
    assert.deepEqual([source.origin, source.origin_lsn], [null, null]);
    // The next transaction's sequence starts with the end of this commit (Debezium's lastCommitLsn), and an
    // Origin message gives origin and origin_lsn.
    await s.handle(1100n, begin(6, 1200n));
    await s.handle(1101n, { tag: 'origin', originLsn: 777n, name: 'pg_upstream' });
    await s.handle(1110n, insert('3'));
    await s.handle(1240n, commit(1200n, 1240n));
    const next = (out[2]!.value as { source: Record<string, unknown> }).source;
    assert.equal(next.sequence, '["1040","1110"]');
    assert.deepEqual([next.origin, next.origin_lsn], ['pg_upstream', 777]);
  });

  it('continues sequence[0] from a stored offset of a whole transaction (its end LSN)', async () => {
    const { s, out } = streamer({
      resumeFrom: { lsn: 1040, lsn_commit: 1000, lsn_proc: 920, txId: 5, ts_usec: 0 },
    });
    await feed(s, 6, 2000n, [insert('9')]);
    assert.equal((out[0]!.value as { source: { sequence: string } }).source.sequence, '["1040","1920"]');
  });

  it('emits a delete with its tombstone, the delete claiming one byte less', async () => {
    const { s, out } = streamer();
    await feed(s, 6, 2000n, [{ tag: 'delete', relationId: 10, oldKind: 'K', oldTuple: ['7', null] }]);
    assert.deepEqual(out.map(op), ['d', 'tombstone']);
    assert.deepEqual(
      out.map((r) => r.headers),
      [CONTEXT, CONTEXT],
      'the context headers on the delete and on its tombstone',
    );
    assert.deepEqual(
      (out[0]!.value as { before: unknown }).before,
      { id: 7, name: '' },
      'required non-key columns get zero values',
    );
    assert.equal(offset(out[0]!).lsn_proc, 1919);
    assert.equal(offset(out[0]!).lsn, 2000);
    assert.equal(offset(out[1]!).lsn_proc, 1920);
    assert.equal(offset(out[1]!).lsn, 2040);
  });

  it('turns a primary key change into delete, tombstone and create', async () => {
    const { s, out } = streamer();
    await feed(s, 7, 3000n, [
      { tag: 'update', relationId: 10, oldKind: 'K', oldTuple: ['1', null], newTuple: ['2', 'b'] },
    ]);
    assert.deepEqual(out.map(op), ['d', 'tombstone', 'c']);
    assert.deepEqual(
      out.map((r) => offset(r).lsn_proc),
      [2919, 2919, 2920],
    );
    assert.deepEqual(out[0]!.key, { id: 1 });
    assert.deepEqual(out[2]!.key, { id: 2 });
  });

  it('emits updates with before only for REPLICA IDENTITY FULL, and the placeholder for unchanged TOAST', async () => {
    const { s, out } = streamer();
    await feed(s, 8, 4000n, [
      { tag: 'update', relationId: 10, oldKind: null, oldTuple: null, newTuple: ['1', { unchanged: true }] },
      { tag: 'update', relationId: 10, oldKind: 'O', oldTuple: ['1', 'a'], newTuple: ['1', 'b'] },
    ]);
    const values = out.map((r) => r.value as { op: string; before: unknown; after: unknown });
    assert.deepEqual(values[0]!.after, { id: 1, name: '__u' });
    assert.equal(values[0]!.before, null);
    assert.deepEqual(values[1]!.before, { id: 1, name: 'a' });
  });

  it('skips tables the filter excludes, skipped operations and truncates', async () => {
    const excluded = streamer({ include: ['public\\.other'] });
    await feed(excluded.s, 9, 5000n, [insert('1')]);
    assert.equal(excluded.out.length, 0);
    const noUpdates = streamer({ skipped: ['u', 't'] });
    await feed(noUpdates.s, 9, 5000n, [
      { tag: 'update', relationId: 10, oldKind: null, oldTuple: null, newTuple: ['1', 'x'] },
      { tag: 'truncate', cascade: false, restartIdentity: false, relationIds: [10] },
      insert('2'),
    ]);
    assert.deepEqual(noUpdates.out.map(op), ['c']);
  });

  it('after a restart, skips the changes of the resent transaction that were already delivered', async () => {
    const stored: PgOffset = { lsn: 6000, lsn_commit: 6000, lsn_proc: 5930, txId: 11, ts_usec: 0 }; // ids 1, 2 delivered
    const { s, out } = streamer({ resumeFrom: stored });
    await feed(s, 11, 6000n, [insert('1'), insert('2'), insert('3')]);
    assert.deepEqual(
      out.map((r) => (r.value as { after: { id: number } }).after.id),
      [3],
    );
    assert.equal(offset(out[0]!).lsn, 6040);
    await feed(s, 12, 7000n, [insert('4')]);
    assert.equal(out.length, 2, 'later transactions are not affected');
  });

  it('fails on a change outside a transaction or for an unknown relation', async () => {
    const { s } = streamer();
    await assert.rejects(s.handle(1n, insert('1')), /outside a transaction/);
    await s.handle(2n, begin(1, 100n));
    await assert.rejects(s.handle(3n, insert('1')), /before its Relation message/);
  });
});

describe('offsets', () => {
  it('parses stored offsets, tolerating strings and bigints', () => {
    assert.equal(parseOffset(null), null);
    assert.equal(parseOffset({ foo: 1 }), null);
    assert.deepEqual(parseOffset({ lsn: '100', lsn_proc: 90n, txId: 3, ts_usec: 5, lsn_commit: 100 }), {
      lsn: 100,
      ts_usec: 5,
      lsn_commit: 100,
      lsn_proc: 90,
      txId: 3,
    });
  });

  it('tells an unfinished snapshot from a finished one', () => {
    assert.equal(isSnapshotIncomplete(snapshotOffset(10n, 0, false)), true);
    assert.equal(isSnapshotIncomplete(snapshotOffset(10n, 0, true)), false);
    assert.equal(isSnapshotIncomplete(heartbeatOffset(10n, 0)), false);
    assert.equal(confirmableLsn(snapshotOffset(10n, 0, false)), null);
    assert.equal(confirmableLsn(snapshotOffset(10n, 0, true)), 10n);
    assert.equal(confirmableLsn(heartbeatOffset(99n, 0)), 99n);
  });

  it('decides what was already delivered by xid, commit LSN and processed LSN', () => {
    const stored: PgOffset = { lsn: 100, lsn_commit: 100, lsn_proc: 50, txId: 3, ts_usec: 0 };
    assert.equal(alreadyDelivered(stored, 3, 100n, 50n), true);
    assert.equal(alreadyDelivered(stored, 3, 100n, 51n), false);
    assert.equal(alreadyDelivered(stored, 4, 100n, 10n), false);
    assert.equal(alreadyDelivered(stored, 3, 200n, 10n), false);
    assert.equal(alreadyDelivered(heartbeatOffset(100n, 0), 3, 100n, 10n), false);
    assert.equal(alreadyDelivered(null, 3, 100n, 10n), false);
  });
});
