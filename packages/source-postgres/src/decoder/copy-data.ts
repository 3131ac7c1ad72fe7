/**
 * The streaming replication sub-protocol carried in CopyData messages once `START_REPLICATION` answered with
 * CopyBothResponse, as specified in "Streaming Replication Protocol" (PostgreSQL docs, protocol-replication):
 *
 * - XLogData `w`: Int64 start of the data in WAL, Int64 current end of WAL on the server, Int64 send time,
 *   then the output plugin's bytes (here one pgoutput message).
 * - Primary keepalive `k`: Int64 current end of WAL on the server, Int64 send time, Byte1 reply requested.
 * - Standby status update `r` (client → server): Int64 written, Int64 flushed, Int64 applied (each "last WAL
 *   byte + 1"), Int64 client time, Byte1 reply requested.
 *
 * Times are microseconds since 2000-01-01 00:00 UTC. Pure functions over Buffers.
 */

/** A WAL position (Log Sequence Number), as an unsigned 64-bit integer. */
export type Lsn = bigint;

/** Milliseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01). */
export const PG_EPOCH_MS = 946_684_800_000;

/** A message the server sends during replication. */
export type ReplicationMessage =
  | {
      readonly tag: 'w';
      readonly walStart: Lsn;
      readonly walEnd: Lsn;
      readonly sendTimeUs: bigint;
      readonly data: Buffer;
    }
  | {
      readonly tag: 'k';
      readonly walEnd: Lsn;
      readonly sendTimeUs: bigint;
      readonly replyRequested: boolean;
    };

/** Decodes one CopyData payload from the server; throws on an unknown tag or a short buffer. */
export function decodeReplicationMessage(buf: Buffer): ReplicationMessage {
  const tag = String.fromCharCode(buf[0] ?? 0);
  if (tag === 'w') {
    if (buf.length < 25) throw new Error(`XLogData message too short (${buf.length} bytes)`);
    return {
      tag,
      walStart: buf.readBigUInt64BE(1),
      walEnd: buf.readBigUInt64BE(9),
      sendTimeUs: buf.readBigInt64BE(17),
      data: buf.subarray(25),
    };
  }
  if (tag === 'k') {
    if (buf.length < 18) throw new Error(`keepalive message too short (${buf.length} bytes)`);
    return {
      tag,
      walEnd: buf.readBigUInt64BE(1),
      sendTimeUs: buf.readBigInt64BE(9),
      replyRequested: buf[17] === 1,
    };
  }
  throw new Error(`unknown replication message tag 0x${(buf[0] ?? 0).toString(16)}`);
}

/** Encodes a standby status update (`r`). `nowMs` is the client's wall clock in Unix milliseconds. */
export function encodeStandbyStatus(
  written: Lsn,
  flushed: Lsn,
  applied: Lsn,
  nowMs: number,
  replyRequested = false,
): Buffer {
  const buf = Buffer.alloc(34);
  buf.write('r', 0, 'latin1');
  buf.writeBigUInt64BE(written, 1);
  buf.writeBigUInt64BE(flushed, 9);
  buf.writeBigUInt64BE(applied, 17);
  buf.writeBigInt64BE(BigInt(Math.round(nowMs - PG_EPOCH_MS)) * 1000n, 25);
  buf.writeUInt8(replyRequested ? 1 : 0, 33);
  return buf;
}

/** Formats an LSN as PostgreSQL prints it: `XXXXXXXX/XXXXXXXX` in upper-case hex without leading zeros. */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Parses `X/Y` (as `pg_current_wal_lsn()` returns it) into an LSN. */
export function parseLsn(text: string): Lsn {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (match === null) throw new Error(`not an LSN: '${text}'`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Converts a PostgreSQL timestamp (µs since 2000-01-01) to Unix epoch microseconds. */
export function pgTimeToUnixMicros(pgMicros: bigint): number {
  return Number(pgMicros) + PG_EPOCH_MS * 1000;
}
