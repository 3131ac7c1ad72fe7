/**
 * `npm run consume -- <topic> [--from-beginning]`: prints the records of a topic as they arrive, one line
 * each (partition, offset, key, headers, value), like Kafka's console consumer. Ctrl-C stops it.
 */
import { parseArgs } from 'node:util';
import { bootstrapFromEnv, createConsumer, type KafkaMessage } from '@outflow/kafka';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'from-beginning': { type: 'boolean', default: false } },
});
const topic = positionals[0];
if (topic === undefined) {
  console.error('usage: npm run consume -- <topic> [--from-beginning]');
  process.exit(2);
}
// The project's own broker unless KAFKA_BOOTSTRAP_SERVERS names another; OUTFLOW_KAFKA_PORT moves it.
const bootstrapServers =
  process.env.KAFKA_BOOTSTRAP_SERVERS === undefined && process.env.OUTFLOW_KAFKA_PORT !== undefined
    ? `127.0.0.1:${process.env.OUTFLOW_KAFKA_PORT}`
    : bootstrapFromEnv();
const consumer = createConsumer({
  bootstrapServers,
  groupId: `outflow-console-${process.pid}`,
  maxWaitTimeMs: 200,
});
const stream = await consumer.consume({
  topics: [topic],
  mode: values['from-beginning'] ? 'earliest' : 'latest',
  fallbackMode: values['from-beginning'] ? 'earliest' : 'latest',
});
console.error(
  `consume: reading ${topic}${values['from-beginning'] ? ' from the beginning' : ''} (Ctrl-C stops)`,
);
const stop = async () => {
  await stream.close();
  await consumer.close(true);
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
for await (const message of stream as AsyncIterable<KafkaMessage>) {
  const headers = Object.fromEntries(message.headers);
  const value =
    message.value === undefined || message.value === null || message.value.length === 0
      ? null
      : message.value.toString('utf8');
  console.log(
    `${message.partition}:${message.offset} key=${message.key ?? 'null'} headers=${JSON.stringify(headers)} value=${value ?? 'null'}`,
  );
}
