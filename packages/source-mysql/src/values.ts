import { decimalToUnscaledBytes, toInt64 } from '@outflow/relay-core';
import type { ColumnMeta, TypeModes, ValueKind } from './column-types.ts';

/**
 * Value converters: a column value as the binlog decoder (zongji) or the snapshot query (mysql2) gives it,
 * both configured with `dateStrings: true`, `timezone: 'Z'`, `jsonStrings: true` and exact decimals, into
 * the Connect value Debezium emits. Pure functions.
 *
 * Inputs per type: integers as number (exact string/bigint beyond 2^53), DECIMAL as its exact text, DATE as
 * `YYYY-MM-DD`, DATETIME as `YYYY-MM-DD HH:MM:SS[.ffffff]` (wall time, read as UTC as Debezium does),
 * TIMESTAMP the same in UTC, TIME as `[-]H…H:MM:SS[.ffffff]`, binary as Buffer, BIT as big-endian Buffer.
 */
export function convertValue(
  raw: unknown,
  kind: ValueKind,
  column: ColumnMeta,
  modes: TypeModes,
  read: ReadPath = 'binlog',
): unknown {
  if (raw === null || raw === undefined) return null;
  switch (kind) {
    case 'int16':
    case 'int32':
      return Number(raw);
    case 'int64':
      return toInt64(raw);
    case 'float32':
    case 'float64':
      return Number(raw);
    case 'decimal':
      return decimalToUnscaledBytes(String(raw), column.scale ?? 0);
    case 'decimal-double':
      return Number(raw);
    case 'decimal-string':
      return String(raw);
    case 'boolean-bit':
      return bitBytes(raw).some((b) => b !== 0);
    case 'bits':
      return bitsToLittleEndian(bitBytes(raw));
    case 'string':
    case 'json':
    case 'enum':
    case 'set':
      return Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
    case 'uuid':
      return Buffer.isBuffer(raw) ? formatUuidBytes(raw) : String(raw);
    case 'bytes':
      return encodeBinary(
        Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), 'utf8'),
        modes.binaryHandlingMode,
      );
    case 'date': {
      const days = parseDateDays(String(raw));
      return days === null ? zeroValue(column, 0) : days;
    }
    case 'datetime-ms':
    case 'datetime-us': {
      const us = parseDateTimeMicros(String(raw));
      if (us === null) return zeroValue(column, 0);
      return kind === 'datetime-ms' ? Math.floor(us / 1000) : us;
    }
    case 'timestamp': {
      const iso = toZonedTimestamp(String(raw), column.fsp, read === 'binlog');
      return iso === null ? zeroValue(column, '1970-01-01T00:00:00Z') : iso;
    }
    case 'time-us':
      return parseTimeMicros(String(raw));
    case 'time-ms':
      return Math.trunc(parseTimeMicros(String(raw)) / 1000);
    case 'year':
      return Number(raw);
  }
}

/**
 * Where a value was read. Debezium writes a TIMESTAMP(n) read from the binlog with exactly n fraction digits,
 * but one read by the snapshot's JDBC query with the shortest fraction (observed with the MariaDB connector
 * 3.5: `2024-02-29T12:34:56.1Z` in the snapshot, `2024-06-01T01:02:03.000Z` streamed).
 */
export type ReadPath = 'binlog' | 'snapshot';

/** Zero dates (`0000-00-00`) become null in a nullable column and the epoch otherwise, as in Debezium. */
function zeroValue(column: ColumnMeta, epoch: unknown): unknown {
  return column.nullable ? null : epoch;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date; null for a zero date. */
export function parseDateDays(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (m === null) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo === 0 || d === 0) return null;
  return Math.floor(Date.UTC(y, mo - 1, d) / 86_400_000) + (y < 100 ? yearFix(y, mo, d) : 0);
}

/** Microseconds since the epoch of `YYYY-MM-DD HH:MM:SS[.ffffff]` read as UTC; null for a zero date. */
export function parseDateTimeMicros(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/.exec(text);
  if (m === null) {
    const days = parseDateDays(text);
    return days === null ? null : days * 86_400_000_000;
  }
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (mo === 0 || d === 0) return null;
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + (y! < 100 ? yearFix(y!, mo!, d!) * 86_400_000 : 0);
  const micros = Number((m[7] ?? '').padEnd(6, '0'));
  return ms * 1000 + micros;
}

/** `Date.UTC` maps years 0–99 to 1900–1999; shift back in days. */
function yearFix(y: number, mo: number, d: number): number {
  const wrong = Date.UTC(y, mo - 1, d);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  return Math.round((date.getTime() - wrong) / 86_400_000);
}

/**
 * Debezium's ZonedTimestamp of a TIMESTAMP value given in UTC: ISO-8601 with `Z`, with as many fraction
 * digits as the column's precision (none for TIMESTAMP(0): `2023-02-17T01:53:42Z`), or with `pad` false the
 * shortest fraction (trailing zeros dropped). Null for a zero value.
 */
export function toZonedTimestamp(utcText: string, fsp: number, pad = true): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?/.exec(utcText);
  if (m === null) return null;
  if (m[1]!.startsWith('0000-00')) return null;
  const digits = (m[3] ?? '').padEnd(fsp, '0').slice(0, fsp);
  const shown = pad ? digits : digits.replace(/0+$/, '');
  // Joined rather than concatenated: a template literal makes a tree of V8 cons strings (190–360 B), a join one
  // flat string (~60 B), and a queued record keeps it until it is sent (ADR 0006).
  return [m[1], 'T', m[2], shown === '' ? '' : '.', shown, 'Z'].join('');
}

/** Microseconds of a TIME value `[-]H…H:MM:SS[.ffffff]` (Debezium's MicroTime; may be negative or ≥ 24 h). */
export function parseTimeMicros(text: string): number {
  const m = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (m === null) throw new Error(`not a TIME value: '${text}'`);
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  const micros = seconds * 1_000_000 + Number((m[5] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -micros : micros;
}

/** BIT values arrive as big-endian bytes (binlog and query); a literal default as `b'101'`. */
function bitBytes(raw: unknown): Uint8Array {
  if (Buffer.isBuffer(raw) || raw instanceof Uint8Array) return raw;
  const text = String(raw);
  const literal = /^b'([01]*)'$/i.exec(text);
  let n = literal ? BigInt(`0b${literal[1] || '0'}`) : BigInt(text);
  const out: number[] = [];
  do {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  return Uint8Array.from(out);
}

/** Debezium's Bits carry the bytes little-endian (Java's BitSet order). */
export function bitsToLittleEndian(bigEndian: Uint8Array): Uint8Array {
  return Uint8Array.from(bigEndian).reverse();
}

/**
 * MariaDB's native UUID (10.7+) arrives under `binlog_row_metadata=FULL` as the 16 bytes of the row image,
 * which the binlog does not tell apart from BINARY(16): formatted here as the canonical text the server
 * shows (8-4-4-4-12 lower-case hex).
 */
export function formatUuidBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex').padEnd(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** `binary.handling.mode`: bytes as they are, or text. */
export function encodeBinary(bytes: Buffer, mode: TypeModes['binaryHandlingMode']): Uint8Array | string {
  switch (mode) {
    case 'bytes':
      return new Uint8Array(bytes);
    case 'base64':
      return bytes.toString('base64');
    case 'base64-url-safe':
      return bytes.toString('base64url');
    case 'hex':
      return bytes.toString('hex');
  }
}
