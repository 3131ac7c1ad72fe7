/**
 * `@outflow/kafka`: the project's Kafka client, a thin layer over `@platformatic/kafka` that fixes the
 * project's defaults (idempotent producer with `acks: 'all'`, manual consumer commits) and validates
 * options at construction.
 */
export { createAdmin, ensureTopic, type OutflowAdmin, type TopicOptions } from './admin.ts';
export {
  bootstrapFromEnv,
  type ClientOptions,
  DEFAULT_BOOTSTRAP_SERVERS,
  parseBootstrapServers,
} from './config.ts';
export { type ConsumerOptions, createConsumer, type KafkaMessage, type OutflowConsumer } from './consumer.ts';
export { KafkaClientError, type KafkaClientErrorCode } from './errors.ts';
export {
  type Acks,
  type Bytes,
  createProducer,
  type OutflowProducer,
  type ProducerOptions,
} from './producer.ts';
