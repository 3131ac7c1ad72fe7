import type { Lsn } from './copy-data.ts';

/**
 * Decoder of the `pgoutput` plugin's messages, protocol version 1, as specified in "Logical Replication
 * Message Formats" (PostgreSQL docs, protocol-logicalrep-message-formats). One XLogData payload holds one
 * message; the first byte is its tag. Strings are NUL-terminated UTF-8; integers are big-endian.
 *
 * Begin `B`, Commit `C`, Origin `O`, Relation `R`, Type `Y`, Insert `I`, Update `U`, Delete `D` and
 * Truncate `T` are decoded; Message `M` (logical decoding messages) is returned as `ignored`. Column values
 * arrive in text format (`t`), as null (`n`), or as "unchanged TOASTed value" (`u`); binary `b` is decoded too
 * although Outflow never asks for it. Pure functions over Buffers.
 */

/** One column value of a TupleData: text, null, or an unchanged TOASTed value the server did not send. */
export type TupleValue = string | null | { readonly unchanged: true } | { readonly binary: Buffer };

/** The unchanged-TOAST marker (`u`): the column kept its value but the server did not send it. */
export const UNCHANGED_TOAST: TupleValue = Object.freeze({ unchanged: true as const });

/** A column of a Relation message. */
export interface RelationColumn {
  /** True when the column is part of the replica identity (the key sent with updates and deletes). */
  readonly isKey: boolean;
  readonly name: string;
  readonly typeOid: number;
  readonly typeMod: number;
}

/** Decoded pgoutput messages. */
export type PgOutputMessage =
  | { readonly tag: 'begin'; readonly finalLsn: Lsn; readonly commitTimeUs: bigint; readonly xid: number }
  | {
      readonly tag: 'commit';
      readonly flags: number;
      readonly commitLsn: Lsn;
      readonly endLsn: Lsn;
      readonly commitTimeUs: bigint;
    }
  | { readonly tag: 'origin'; readonly originLsn: Lsn; readonly name: string }
  | {
      readonly tag: 'relation';
      readonly relationId: number;
      readonly namespace: string;
      readonly name: string;
      /** `d` default, `n` nothing, `f` full, `i` index. */
      readonly replicaIdentity: string;
      readonly columns: readonly RelationColumn[];
    }
  | { readonly tag: 'type'; readonly typeOid: number; readonly namespace: string; readonly name: string }
  | { readonly tag: 'insert'; readonly relationId: number; readonly newTuple: readonly TupleValue[] }
  | {
      readonly tag: 'update';
      readonly relationId: number;
      /** The old key (`K`, replica identity columns only) or the old row (`O`, REPLICA IDENTITY FULL). */
      readonly oldKind: 'K' | 'O' | null;
      readonly oldTuple: readonly TupleValue[] | null;
      readonly newTuple: readonly TupleValue[];
    }
  | {
      readonly tag: 'delete';
      readonly relationId: number;
      readonly oldKind: 'K' | 'O';
      readonly oldTuple: readonly TupleValue[];
    }
  | {
      readonly tag: 'truncate';
      readonly cascade: boolean;
      readonly restartIdentity: boolean;
      readonly relationIds: readonly number[];
    }
  | { readonly tag: 'ignored'; readonly type: string };

/** Decodes one pgoutput message (protocol version 1). Throws on a malformed or unknown message. */
export function decodePgOutput(buf: Buffer): PgOutputMessage {
  const r = new Reader(buf);
  const type = String.fromCharCode(r.uint8());
  switch (type) {
    case 'B':
      return { tag: 'begin', finalLsn: r.uint64(), commitTimeUs: r.int64(), xid: r.uint32() };
    case 'C':
      return {
        tag: 'commit',
        flags: r.uint8(),
        commitLsn: r.uint64(),
        endLsn: r.uint64(),
        commitTimeUs: r.int64(),
      };
    case 'O':
      return { tag: 'origin', originLsn: r.uint64(), name: r.cstring() };
    case 'R': {
      const relationId = r.uint32();
      const namespace = r.cstring();
      const name = r.cstring();
      const replicaIdentity = String.fromCharCode(r.uint8());
      const count = r.uint16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < count; i++) {
        const flags = r.uint8();
        columns.push({
          isKey: (flags & 1) === 1,
          name: r.cstring(),
          typeOid: r.uint32(),
          typeMod: r.int32(),
        });
      }
      return {
        tag: 'relation',
        relationId,
        namespace: namespace === '' ? 'pg_catalog' : namespace,
        name,
        replicaIdentity,
        columns,
      };
    }
    case 'Y':
      return { tag: 'type', typeOid: r.uint32(), namespace: r.cstring(), name: r.cstring() };
    case 'I': {
      const relationId = r.uint32();
      r.expect('N');
      return { tag: 'insert', relationId, newTuple: r.tuple() };
    }
    case 'U': {
      const relationId = r.uint32();
      let marker = String.fromCharCode(r.uint8());
      let oldKind: 'K' | 'O' | null = null;
      let oldTuple: TupleValue[] | null = null;
      if (marker === 'K' || marker === 'O') {
        oldKind = marker;
        oldTuple = r.tuple();
        marker = String.fromCharCode(r.uint8());
      }
      if (marker !== 'N') throw new Error(`update: expected 'N', got '${marker}'`);
      return { tag: 'update', relationId, oldKind, oldTuple, newTuple: r.tuple() };
    }
    case 'D': {
      const relationId = r.uint32();
      const marker = String.fromCharCode(r.uint8());
      if (marker !== 'K' && marker !== 'O') throw new Error(`delete: expected 'K' or 'O', got '${marker}'`);
      return { tag: 'delete', relationId, oldKind: marker, oldTuple: r.tuple() };
    }
    case 'T': {
      const count = r.uint32();
      const options = r.uint8();
      const relationIds: number[] = [];
      for (let i = 0; i < count; i++) relationIds.push(r.uint32());
      return {
        tag: 'truncate',
        cascade: (options & 1) === 1,
        restartIdentity: (options & 2) === 2,
        relationIds,
      };
    }
    case 'M':
      return { tag: 'ignored', type };
    default:
      throw new Error(`unknown pgoutput message type '${type}' (0x${type.charCodeAt(0).toString(16)})`);
  }
}

/** A bounds-checked cursor over a message. */
class Reader {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  #need(n: number): number {
    const at = this.#pos;
    if (at + n > this.#buf.length) throw new Error(`message truncated at byte ${at} (need ${n} more)`);
    this.#pos += n;
    return at;
  }

  uint8(): number {
    return this.#buf.readUInt8(this.#need(1));
  }
  uint16(): number {
    return this.#buf.readUInt16BE(this.#need(2));
  }
  int32(): number {
    return this.#buf.readInt32BE(this.#need(4));
  }
  uint32(): number {
    return this.#buf.readUInt32BE(this.#need(4));
  }
  uint64(): bigint {
    return this.#buf.readBigUInt64BE(this.#need(8));
  }
  int64(): bigint {
    return this.#buf.readBigInt64BE(this.#need(8));
  }

  cstring(): string {
    const end = this.#buf.indexOf(0, this.#pos);
    if (end < 0) throw new Error(`unterminated string at byte ${this.#pos}`);
    const text = this.#buf.toString('utf8', this.#pos, end);
    this.#pos = end + 1;
    return text;
  }

  expect(char: string): void {
    const got = String.fromCharCode(this.uint8());
    if (got !== char) throw new Error(`expected '${char}', got '${got}'`);
  }

  /** TupleData: Int16 column count, then per column `n`, `u`, or `t`/`b` + Int32 length + bytes. */
  tuple(): TupleValue[] {
    const count = this.uint16();
    const values: TupleValue[] = [];
    for (let i = 0; i < count; i++) {
      const kind = String.fromCharCode(this.uint8());
      if (kind === 'n') values.push(null);
      else if (kind === 'u') values.push(UNCHANGED_TOAST);
      else if (kind === 't' || kind === 'b') {
        const length = this.int32();
        const at = this.#need(length);
        const bytes = this.#buf.subarray(at, at + length);
        values.push(kind === 't' ? bytes.toString('utf8') : { binary: Buffer.from(bytes) });
      } else throw new Error(`unknown tuple value kind '${kind}'`);
    }
    return values;
  }
}
