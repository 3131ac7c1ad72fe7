import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type pg from 'pg';
import type { ReplicationMessage } from '../src/decoder/copy-data.ts';
import { ReplicationStream } from '../src/replication/stream.ts';

/** A pg.Client whose wire connection the test drives: the server has accepted START_REPLICATION. */
function fakeClient() {
  const wire = Object.assign(new EventEmitter(), {
    sent: [] as Buffer[],
    sendCopyFromChunk(chunk: Buffer) {
      wire.sent.push(chunk);
    },
    stream: { pause() {}, resume() {} },
  });
  const client = {
    connection: wire,
    query: () => new Promise(() => {}),
    end: async () => {},
  } as unknown as pg.Client;
  return { client, wire };
}

function xLogData(walStart: bigint, payload: Buffer): Buffer {
  const header = Buffer.alloc(25);
  header.write('w', 0, 'latin1');
  header.writeBigUInt64BE(walStart, 1);
  header.writeBigUInt64BE(walStart + BigInt(payload.length), 9);
  return Buffer.concat([header, payload]);
}

describe('replication stream', () => {
  it('gives each message its own bytes: pg-protocol reuses its read buffer after the callback', async () => {
    const { client, wire } = fakeClient();
    const stream = new ReplicationStream(client, { confirmed: 0n, statusIntervalMs: 60_000 });
    const received: ReplicationMessage[] = [];
    const starting = stream.start({
      slot: 's',
      publication: 'p',
      startLsn: 0n,
      handlers: { onMessage: (m) => received.push(m), onEnd: (e) => assert.fail(String(e)) },
    });
    wire.emit('replicationStart');
    await starting;
    // The parser's buffer: one CopyData chunk is a view of it, later overwritten by the next socket read.
    const readBuffer = xLogData(100n, Buffer.from('B-begin'));
    wire.emit('copyData', { chunk: readBuffer.subarray(0) });
    readBuffer.fill(0xed);
    const first = received[0]!;
    assert.equal(first.tag, 'w');
    assert.equal(first.tag === 'w' && first.data.toString(), 'B-begin');
    await stream.stop();
  });
});
