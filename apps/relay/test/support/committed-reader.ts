import { createConsumer } from '@outflow/kafka';
import { readTopicToEnd } from '@outflow/offset-store';
import { type CollectedRecord, kafkaBootstrap, uniqueName } from '@outflow/testing';

/**
 * Every committed record of `topic`, read to its end with Kafka's own `read_committed` algorithm (aborted
 * transactions skipped from their first offset to their ABORT marker, wherever the marker falls), the way a
 * Java consumer reads. The streaming collector of `@outflow/testing` uses `@platformatic/kafka`, whose filter
 * keeps an aborted transaction's records when the fetch that returns them ends before the marker; a delivery
 * verdict about exactly-once must not depend on that.
 */
export async function readCommitted(topic: string): Promise<CollectedRecord[]> {
  const consumer = createConsumer({ bootstrapServers: kafkaBootstrap, groupId: uniqueName('verify') });
  const records: CollectedRecord[] = [];
  try {
    await readTopicToEnd(consumer, topic, (key, value, place) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of place.headers)
        if (k !== null) headers[k.toString('utf8')] = v?.toString('utf8') ?? '';
      records.push({
        topic,
        partition: place.partition,
        offset: place.offset,
        key: key === null || key.length === 0 ? null : key.toString('utf8'),
        value: value === null || value.length === 0 ? null : value.toString('utf8'),
        headers,
        timestamp: 0n,
        receivedAt: Date.now(),
      });
    });
  } finally {
    await consumer.close(true);
  }
  return records;
}
