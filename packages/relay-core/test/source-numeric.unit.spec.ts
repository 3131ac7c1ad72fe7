import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bigIntToTwosComplement, decimalToUnscaledBytes, toInt64 } from '../src/index.ts';

describe('source numbers', () => {
  it('encodes decimals as Java BigInteger bytes', () => {
    assert.deepEqual([...decimalToUnscaledBytes('-123.45', 2)], [0xcf, 0xc7]);
    assert.deepEqual([...decimalToUnscaledBytes('1.5', 2)], [0x00, 0x96]);
    assert.deepEqual([...decimalToUnscaledBytes('0', 0)], [0]);
    assert.deepEqual([...decimalToUnscaledBytes('127', 0)], [0x7f]);
    assert.deepEqual([...decimalToUnscaledBytes('128', 0)], [0x00, 0x80]);
    assert.deepEqual([...bigIntToTwosComplement(-128n)], [0x80]);
    assert.deepEqual([...bigIntToTwosComplement(-129n)], [0xff, 0x7f]);
  });

  it('encodes unscaled decimals like BigInteger.toByteArray', () => {
    assert.deepEqual([...decimalToUnscaledBytes('0', 0)], [0]);
    assert.deepEqual([...decimalToUnscaledBytes('127', 0)], [0x7f]);
    assert.deepEqual([...decimalToUnscaledBytes('128', 0)], [0x00, 0x80]);
    assert.deepEqual([...decimalToUnscaledBytes('-128', 0)], [0x80]);
    assert.deepEqual([...decimalToUnscaledBytes('-129', 0)], [0xff, 0x7f]);
    assert.deepEqual([...decimalToUnscaledBytes('1.5', 3)], [0x05, 0xdc]);
  });

  it('keeps int64 exact', () => {
    assert.equal(toInt64(5), 5);
    assert.equal(toInt64('9007199254740993'), 9007199254740993n);
    assert.equal(toInt64('18446744073709551615'), -1);
  });
});
