/**
 * Numbers as Kafka Connect carries them, the same for every source. Pure.
 */

/**
 * An int64 as a number when it is safe, else a bigint. Text above 2^63 - 1 (MySQL's BIGINT UNSIGNED) wraps
 * to a negative value, as Debezium's `long` does.
 */
export function toInt64(raw: unknown): number | bigint {
  if (typeof raw === 'number') return raw;
  let big = BigInt(String(raw));
  if (big > 9223372036854775807n) big -= 18446744073709551616n;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/**
 * Connect's Decimal: the unscaled value of a decimal text (`[-+]digits[.digits]`) rescaled to `scale`
 * (extra fraction digits are cut), as the bytes of Java's `BigInteger.toByteArray()`.
 */
export function decimalToUnscaledBytes(text: string, scale: number): Uint8Array {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const unsigned = trimmed.replace(/^[-+]/, '');
  const [intPart = '0', fracPart = ''] = unsigned.split('.');
  const frac = fracPart.padEnd(scale, '0').slice(0, scale);
  let unscaled = BigInt(`${intPart || '0'}${frac}` || '0');
  if (negative) unscaled = -unscaled;
  return bigIntToTwosComplement(unscaled);
}

/** Java's `BigInteger.toByteArray()`: minimal big-endian two's complement, at least one byte. */
export function bigIntToTwosComplement(value: bigint): Uint8Array {
  let bytes = 1;
  while (value < -(1n << BigInt(bytes * 8 - 1)) || value >= 1n << BigInt(bytes * 8 - 1)) bytes++;
  let v = value < 0n ? (1n << BigInt(bytes * 8)) + value : value;
  const out = new Uint8Array(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
