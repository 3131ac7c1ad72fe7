import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@outflow/relay-core';
import { murmur2 as platformaticMurmur2 } from '@platformatic/kafka';
import { createKafkaSink, javaKeyPartition, murmur2 } from '../src/index.ts';

describe('Java-compatible partitioning', () => {
  it('hashes like Kafka Utils.murmur2 (vectors from Kafka UtilsTest)', () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [text, hash] of cases) {
      assert.equal(murmur2(Buffer.from(text)), hash, text);
      assert.equal(platformaticMurmur2(Buffer.from(text)), hash, text);
    }
  });

  it('maps keys to partitions as toPositive(murmur2) % n, unlike the client default for negative hashes', () => {
    const key = Buffer.from('21');
    assert.equal(javaKeyPartition(key, 3), (-973932308 & 0x7fffffff) % 3);
    assert.equal(javaKeyPartition(key, 3), 0);
    // @platformatic/kafka's defaultPartitioner uses `murmur2(key) >>> 0`: another partition for this key.
    assert.equal((-973932308 >>> 0) % 3, 2);
    for (let i = 0; i < 1000; i++) {
      const k = Buffer.from(`key-${i}`);
      const p = javaKeyPartition(k, 7);
      assert.ok(p >= 0 && p < 7);
    }
  });
});

describe('createKafkaSink options', () => {
  it('names every invalid option', () => {
    assert.throws(
      () =>
        createKafkaSink({
          bootstrapServers: [],
          topicPartitions: 0,
          lingerMs: -1,
          batchSize: 10,
          compression: 'brotli' as never,
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems.map((p) => p.property).sort(), [
          'batchSize',
          'bootstrapServers',
          'compression',
          'lingerMs',
          'topicPartitions',
        ]);
        return true;
      },
    );
  });
});
