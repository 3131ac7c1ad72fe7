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
export { explainConnectionFailure } from './failures.ts';
export {
  createGroupClient,
  GroupCallError,
  type GroupClient,
  type GroupClientOptions,
  type GroupFailure,
  type GroupMember,
  type JoinedGroup,
} from './group.ts';
export { type JaasLoginModule, type JaasSection, parseJaasFile, parseJaasModules } from './jaas.ts';
export {
  type Acks,
  type Bytes,
  createProducer,
  type OutflowProducer,
  type ProducerOptions,
} from './producer.ts';
export { upsertScramCredential } from './scram.ts';
export {
  type ClientSecurity,
  clientSecurity,
  SASL_MECHANISMS,
  SECURITY_PROPERTY_NAMES,
  SECURITY_PROTOCOLS,
  securityProperties,
  securityPropertiesFromEnv,
} from './security.ts';
export { type PemMaterial, readPemMaterial, SSL_PROPERTY_NAMES } from './ssl.ts';
