import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeReplicationMessage,
  encodeStandbyStatus,
  formatLsn,
  PG_EPOCH_MS,
  parseLsn,
} from '../src/decoder/copy-data.ts';
import { decodePgOutput, UNCHANGED_TOAST } from '../src/decoder/pgoutput.ts';

/** Hand-built big-endian bytes, independent of the decoder under test. */
class Bytes {
  readonly parts: Buffer[] = [];
  char(c: string): this {
    this.parts.push(Buffer.from(c, 'latin1'));
    return this;
  }
  u8(n: number): this {
    this.parts.push(Buffer.from([n]));
    return this;
  }
  u16(n: number): this {
    this.parts.push(Buffer.from([n >> 8, n & 0xff]));
    return this;
  }
  u32(n: number): this {
    this.parts.push(Buffer.from([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]));
    return this;
  }
  u64(hi: number, lo: number): this {
    return this.u32(hi).u32(lo);
  }
  str(s: string): this {
    this.parts.push(Buffer.from(s, 'utf8'), Buffer.from([0]));
    return this;
  }
  text(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.char('t').u32(b.length).raw(b);
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  get buf(): Buffer {
    return Buffer.concat(this.parts);
  }
}

describe('pgoutput decoder (protocol version 1)', () => {
  it('decodes Begin: final LSN, commit time, xid', () => {
    const buf = new Bytes().char('B').u64(0x1, 0x6b374d48).u64(0x0002a1b2, 0xc3d4e5f6).u32(742).buf;
    assert.deepEqual(decodePgOutput(buf), {
      tag: 'begin',
      finalLsn: 0x16b374d48n,
      commitTimeUs: 0x0002a1b2c3d4e5f6n,
      xid: 742,
    });
  });

  it('decodes Commit: flags, commit LSN, end LSN, commit time', () => {
    const buf = new Bytes().char('C').u8(0).u64(0, 0x100).u64(0, 0x130).u64(0, 99).buf;
    assert.deepEqual(decodePgOutput(buf), {
      tag: 'commit',
      flags: 0,
      commitLsn: 0x100n,
      endLsn: 0x130n,
      commitTimeUs: 99n,
    });
  });

  it('decodes Relation with key flags, type OIDs and type modifiers', () => {
    const buf = new Bytes()
      .char('R')
      .u32(16385)
      .str('public')
      .str('outbox')
      .char('d')
      .u16(3)
      .u8(1)
      .str('id')
      .u32(2950)
      .u32(0xffffffff)
      .u8(0)
      .str('payload')
      .u32(3802)
      .u32(0xffffffff)
      .u8(0)
      .str('amount')
      .u32(1700)
      .u32(((10 << 16) | 2) + 4).buf;
    assert.deepEqual(decodePgOutput(buf), {
      tag: 'relation',
      relationId: 16385,
      namespace: 'public',
      name: 'outbox',
      replicaIdentity: 'd',
      columns: [
        { isKey: true, name: 'id', typeOid: 2950, typeMod: -1 },
        { isKey: false, name: 'payload', typeOid: 3802, typeMod: -1 },
        { isKey: false, name: 'amount', typeOid: 1700, typeMod: 655366 },
      ],
    });
  });

  it('reads an empty namespace as pg_catalog', () => {
    const buf = new Bytes().char('R').u32(1).str('').str('t').char('n').u16(0).buf;
    assert.equal((decodePgOutput(buf) as { namespace: string }).namespace, 'pg_catalog');
  });

  it('decodes Type', () => {
    const buf = new Bytes().char('Y').u32(16400).str('public').str('mood').buf;
    assert.deepEqual(decodePgOutput(buf), { tag: 'type', typeOid: 16400, namespace: 'public', name: 'mood' });
  });

  it('decodes Insert with text, null and UTF-8 values', () => {
    const buf = new Bytes().char('I').u32(16385).char('N').u16(3).text('42').char('n').text('héllo ✓').buf;
    assert.deepEqual(decodePgOutput(buf), {
      tag: 'insert',
      relationId: 16385,
      newTuple: ['42', null, 'héllo ✓'],
    });
  });

  it('decodes Update without old tuple, with the unchanged-TOAST marker', () => {
    const buf = new Bytes().char('U').u32(7).char('N').u16(2).text('1').char('u').buf;
    const msg = decodePgOutput(buf);
    assert.deepEqual(msg, {
      tag: 'update',
      relationId: 7,
      oldKind: null,
      oldTuple: null,
      newTuple: ['1', UNCHANGED_TOAST],
    });
  });

  it('decodes Update with an old key (K) and with an old row (O)', () => {
    const k = new Bytes()
      .char('U')
      .u32(7)
      .char('K')
      .u16(2)
      .text('1')
      .char('n')
      .char('N')
      .u16(2)
      .text('2')
      .text('b').buf;
    assert.deepEqual(decodePgOutput(k), {
      tag: 'update',
      relationId: 7,
      oldKind: 'K',
      oldTuple: ['1', null],
      newTuple: ['2', 'b'],
    });
    const o = new Bytes()
      .char('U')
      .u32(7)
      .char('O')
      .u16(2)
      .text('1')
      .text('a')
      .char('N')
      .u16(2)
      .text('1')
      .text('b').buf;
    assert.deepEqual(decodePgOutput(o), {
      tag: 'update',
      relationId: 7,
      oldKind: 'O',
      oldTuple: ['1', 'a'],
      newTuple: ['1', 'b'],
    });
  });

  it('decodes Delete with an old key or an old row', () => {
    const buf = new Bytes().char('D').u32(7).char('K').u16(2).text('9').char('n').buf;
    assert.deepEqual(decodePgOutput(buf), {
      tag: 'delete',
      relationId: 7,
      oldKind: 'K',
      oldTuple: ['9', null],
    });
    const full = new Bytes().char('D').u32(7).char('O').u16(1).text('9').buf;
    assert.deepEqual(decodePgOutput(full), { tag: 'delete', relationId: 7, oldKind: 'O', oldTuple: ['9'] });
  });

  it('decodes Truncate with its options and relations', () => {
    const buf = new Bytes().char('T').u32(2).u8(3).u32(10).u32(11).buf;
    assert.deepEqual(decodePgOutput(buf), {
      tag: 'truncate',
      cascade: true,
      restartIdentity: true,
      relationIds: [10, 11],
    });
  });

  it('decodes Origin and ignores logical decoding messages (M)', () => {
    assert.deepEqual(decodePgOutput(new Bytes().char('O').u64(0, 5).str('node_a').buf), {
      tag: 'origin',
      originLsn: 5n,
      name: 'node_a',
    });
    const m = new Bytes().char('M').u8(1).u64(0, 5).str('prefix').u32(2).raw(Buffer.from('hi')).buf;
    assert.deepEqual(decodePgOutput(m), { tag: 'ignored', type: 'M' });
  });

  it('rejects unknown messages, truncated buffers and bad markers', () => {
    assert.throws(() => decodePgOutput(new Bytes().char('Z').buf), /unknown pgoutput message type 'Z'/);
    assert.throws(() => decodePgOutput(new Bytes().char('B').u32(1).buf), /truncated/);
    assert.throws(() => decodePgOutput(new Bytes().char('I').u32(1).char('X').buf), /expected 'N'/);
    assert.throws(
      () => decodePgOutput(new Bytes().char('I').u32(1).char('N').u16(1).char('q').buf),
      /unknown tuple value kind/,
    );
    assert.throws(
      () => decodePgOutput(new Bytes().char('I').u32(1).char('N').u16(1).char('t').u32(10).buf),
      /truncated/,
    );
    assert.throws(
      () => decodePgOutput(new Bytes().char('Y').u32(1).raw(Buffer.from('abc')).buf),
      /unterminated/,
    );
  });
});

describe('streaming replication CopyData messages', () => {
  it('decodes XLogData (w) with its payload', () => {
    const buf = new Bytes().char('w').u64(0, 0x10).u64(0, 0x20).u64(0, 1000).raw(Buffer.from('B')).buf;
    const msg = decodeReplicationMessage(buf);
    assert.equal(msg.tag, 'w');
    if (msg.tag !== 'w') return;
    assert.equal(msg.walStart, 0x10n);
    assert.equal(msg.walEnd, 0x20n);
    assert.equal(msg.sendTimeUs, 1000n);
    assert.deepEqual(msg.data, Buffer.from('B'));
  });

  it('decodes a primary keepalive (k) with and without reply request', () => {
    const buf = new Bytes().char('k').u64(0x2, 0x3).u64(0, 7).u8(1).buf;
    assert.deepEqual(decodeReplicationMessage(buf), {
      tag: 'k',
      walEnd: 0x200000003n,
      sendTimeUs: 7n,
      replyRequested: true,
    });
    const quiet = new Bytes().char('k').u64(0, 1).u64(0, 7).u8(0).buf;
    assert.equal((decodeReplicationMessage(quiet) as { replyRequested: boolean }).replyRequested, false);
  });

  it('rejects unknown tags and short messages', () => {
    assert.throws(() => decodeReplicationMessage(Buffer.from('x')), /unknown replication message tag/);
    assert.throws(() => decodeReplicationMessage(new Bytes().char('k').u32(1).buf), /too short/);
    assert.throws(() => decodeReplicationMessage(new Bytes().char('w').u32(1).buf), /too short/);
  });

  it('encodes a standby status update (r): written, flushed, applied, client time, reply flag', () => {
    const nowMs = PG_EPOCH_MS + 1500;
    const buf = encodeStandbyStatus(0x30n, 0x20n, 0x20n, nowMs, true);
    const expected = new Bytes().char('r').u64(0, 0x30).u64(0, 0x20).u64(0, 0x20).u64(0, 1_500_000).u8(1).buf;
    assert.deepEqual(buf, expected);
  });

  it('formats and parses LSNs as PostgreSQL prints them', () => {
    assert.equal(formatLsn(0x16b374d48n), '1/6B374D48');
    assert.equal(formatLsn(0n), '0/0');
    assert.equal(parseLsn('1/6B374D48'), 0x16b374d48n);
    assert.equal(parseLsn('FFFFFFFF/FFFFFFFF'), 0xffffffffffffffffn);
    assert.throws(() => parseLsn('16B374D48'), /not an LSN/);
  });
});
