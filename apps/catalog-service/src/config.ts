/**
 * The catalog service's configuration: every option declared once, with its environment variable, default,
 * validation and description. {@link loadConfig} reads them at start-up and fails on the first bad value
 * with the variable named; {@link describeConfig} renders the reference table in the README.
 */

import { clientSecurity, parseBootstrapServers, securityPropertiesFromEnv } from '@outflow/kafka';
import {
  ConfigError,
  type ConfigOption,
  databaseUrlOption,
  describeOptions,
  hostOption,
  type LogLevel,
  loadOptions,
  logLevelOption,
  portOption,
} from '@outflow/service-kit';

export { ConfigError, databaseName, type LogLevel, redactUrl } from '@outflow/service-kit';

/** The validated configuration of the catalog service. */
export interface Config {
  /** Where the catalog database lives; the scheme picks MySQL/MariaDB or PostgreSQL. May hold a password. */
  readonly databaseUrl: string;
  /** TCP port the HTTP server listens on. */
  readonly port: number;
  /** Interface the HTTP server binds to. */
  readonly host: string;
  /** Kafka brokers, `host:port`. */
  readonly kafkaBootstrapServers: readonly string[];
  /** Kafka client security properties with Kafka's names (`security.protocol`, `sasl.*`, `ssl.*`). */
  readonly kafkaClientProperties: Readonly<Record<string, string>>;
  /** Consumer group of the catalog's course consumer. */
  readonly groupId: string;
  /** Topic the course events arrive on. */
  readonly topic: string;
  /** Minimum level of the log lines written to stdout. */
  readonly logLevel: LogLevel;
}

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/** Every option, in the order of the reference table. */
export const configOptions: readonly ConfigOption<Config>[] = [
  { key: 'databaseUrl', ...databaseUrlOption('mysql://outflow:outflow@127.0.0.1:3307/catalog') },
  { key: 'port', ...portOption(8081) },
  { key: 'host', ...hostOption() },
  {
    key: 'kafkaBootstrapServers',
    env: 'KAFKA_BOOTSTRAP_SERVERS',
    default: '127.0.0.1:9092',
    description: 'Kafka brokers, comma-separated `host:port`.',
    parse(raw) {
      try {
        return parseBootstrapServers(raw, 'KAFKA_BOOTSTRAP_SERVERS');
      } catch {
        return { expected: 'comma-separated host:port entries with ports 1-65535' };
      }
    },
  },
  {
    key: 'kafkaClientProperties',
    env: 'KAFKA_SECURITY_PROTOCOL',
    default: 'PLAINTEXT',
    description:
      "Kafka's `security.protocol`: `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`. With it, Kafka's other client properties as the Confluent images spell them: `KAFKA_SASL_MECHANISM` (`PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`), `KAFKA_SASL_JAAS_CONFIG`, `KAFKA_SSL_TRUSTSTORE_LOCATION` (PEM), `KAFKA_SSL_KEYSTORE_LOCATION` (PEM key + chain), `KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM`.",
    // Filled from every KAFKA_* security variable by loadConfig; this parse only checks the protocol.
    parse: (raw): Readonly<Record<string, string>> | { expected: string } =>
      ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(raw.toUpperCase())
        ? { 'security.protocol': raw.toUpperCase() }
        : { expected: 'PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL' },
  },
  {
    key: 'groupId',
    env: 'CATALOG_GROUP_ID',
    default: 'catalog-service',
    description: 'Kafka consumer group; instances with the same group share the partitions.',
    parse: (raw) => (raw.trim() !== '' && !/\s/.test(raw) ? raw : { expected: 'a group id without spaces' }),
  },
  {
    key: 'topic',
    env: 'CATALOG_TOPIC',
    default: 'outbox.event.Course',
    description: 'Topic of the course events (the Outbox Event Router routes aggregate `Course` there).',
    parse: (raw) =>
      TOPIC.test(raw) ? raw : { expected: 'a topic name of 1-249 characters from [a-zA-Z0-9._-]' },
  },
  { key: 'logLevel', ...logLevelOption() },
];

/**
 * Reads and validates the configuration from `env` (normally `process.env`). Unset or empty variables take
 * their default.
 *
 * @throws {ConfigError} naming every bad variable, e.g. `PORT must be an integer 1-65535, got 'abc'`. Values of
 *   `DATABASE_URL` are shown with the password replaced by `***`.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const config = loadOptions(configOptions, env);
  const kafkaClientProperties = {
    ...securityPropertiesFromEnv(env as NodeJS.ProcessEnv),
    ...config.kafkaClientProperties,
  };
  try {
    clientSecurity(kafkaClientProperties);
  } catch (error) {
    const option = String((error as { details?: { option?: string } }).details?.option ?? '');
    const variable = `KAFKA_${option.toUpperCase().replace(/\./g, '_')}`;
    throw new ConfigError([`${variable}: ${(error as Error).message.replace(/^[^:]*: /, '')}`]);
  }
  return Object.freeze({ ...config, kafkaClientProperties });
}

/** The configuration reference as a Markdown table, generated from {@link configOptions}. */
export function describeConfig(): string {
  return describeOptions(configOptions);
}
