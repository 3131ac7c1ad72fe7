import { ConfigDef, ConfigError } from '@outflow/relay-core';
import { loadRestSecurity, type RestSecurity, restSecurityKeys } from './rest/rest-security-config.ts';
import { ConfigProviders, configProviderKeys, isProviderProperty } from './worker/config-providers.ts';
import {
  isClientPrefixedProperty,
  kafkaClientKeys,
  loadWorkerClientProperties,
  type OverridePolicy,
  type WorkerClientProperties,
} from './worker/kafka-client-config.ts';

/**
 * The worker's properties, each declared once with its default, validation and description
 * (Kafka Connect's `WorkerConfig` names, so a Connect worker file mostly works as it is).
 */
export const workerConfigDef = new ConfigDef([
  {
    name: 'bootstrap.servers',
    type: 'list',
    default: ['127.0.0.1:9092'],
    description: 'Kafka brokers (`host:port`, comma-separated) the relay produces to and keeps its state in.',
  },
  {
    name: 'listeners',
    type: 'list',
    default: null,
    description:
      'Where the REST API listens, as Connect writes it: `http://host:port` or `https://host:port` (then `listeners.https.ssl.*` or `ssl.*` give its PEM key and certificate). Overrides `rest.host.name` and `rest.port` when set; only the first listener is used.',
    validate: (value) =>
      (value as string[]).every((l) => /^https?:\/\/[^/]*:\d+\/?$/.test(l))
        ? undefined
        : 'must be a list of http://host:port or https://host:port',
  },
  {
    name: 'rest.host.name',
    type: 'string',
    default: '127.0.0.1',
    description: 'Interface the REST API binds to. Use `0.0.0.0` to listen on every interface.',
  },
  {
    name: 'rest.port',
    type: 'int',
    default: 8083,
    min: 0,
    max: 65535,
    description: 'Port of the REST API (0 = any).',
  },
  {
    name: 'group.id',
    type: 'string',
    default: 'outflow',
    description: 'Identifies this relay cluster; used as the Kafka client id prefix.',
  },
  {
    name: 'offset.storage.topic',
    type: 'string',
    default: 'outflow-offsets',
    description: 'Compacted topic that stores source offsets (created when missing).',
  },
  {
    name: 'offset.storage.file.filename',
    type: 'string',
    default: null,
    description: 'Store offsets in this JSON file instead of Kafka (development, like Connect standalone).',
  },
  {
    name: 'offset.storage.partitions',
    type: 'int',
    default: 25,
    min: 1,
    description: 'Partitions of the offsets topic when the relay creates it.',
  },
  {
    name: 'offset.storage.replication.factor',
    type: 'int',
    default: 1,
    min: 1,
    description: 'Replication factor of the offsets topic when the relay creates it.',
  },
  {
    name: 'config.storage.topic',
    type: 'string',
    default: 'outflow-configs',
    description:
      'Compacted topic that stores connector configurations and target states (created when missing).',
  },
  {
    name: 'config.storage.file.filename',
    type: 'string',
    default: null,
    description: 'Store connector configurations in this JSON file instead of Kafka (development).',
  },
  {
    name: 'config.storage.replication.factor',
    type: 'int',
    default: 1,
    min: 1,
    description: 'Replication factor of the configs topic when the relay creates it.',
  },
  {
    name: 'status.storage.topic',
    type: 'string',
    default: 'outflow-status',
    description: 'Accepted for compatibility with Connect worker files; statuses are kept in memory.',
  },
  {
    name: 'offset.flush.interval.ms',
    type: 'long',
    default: 1000,
    min: 0,
    description:
      "How often acknowledged offsets are stored. Connect's default is 60000; Outflow's is 1000 because every offset not stored when the process dies is a batch of duplicates after the restart, and storing an offset costs one small Kafka write.",
  },
  {
    name: 'exactly.once.source.support',
    type: 'string',
    default: 'enabled',
    oneOf: ['enabled', 'disabled'],
    description:
      'Exactly-once delivery of source records (KIP-618), on by default: each task writes a batch of records and the source offsets after it in one Kafka transaction (`transactional.id` `<group.id>-<connector>-0`), so a crash never republishes records to `read_committed` readers, and a task that lost its place (a frozen relay whose task moved) is fenced by the broker. Needs the offsets in Kafka (not `offset.storage.file.filename`). `disabled`: at-least-once, offsets flushed every `offset.flush.interval.ms`.',
  },
  {
    name: 'task.shutdown.graceful.timeout.ms',
    type: 'long',
    default: 5000,
    min: 0,
    description:
      'How long stopping a task (connector deleted, paused or restarted; the relay shutting down) waits for its batch in hand to be acknowledged and its offsets stored. Past it the task is abandoned with an error line naming what was not flushed (those records are published again after the restart), so a hung Kafka cannot keep the relay from exiting.',
  },
  {
    name: 'key.converter',
    type: 'class',
    default: null,
    description: 'Default `key.converter` of connectors that set none.',
  },
  {
    name: 'value.converter',
    type: 'class',
    default: null,
    description: 'Default `value.converter` of connectors that set none.',
  },
  {
    name: 'key.converter.schemas.enable',
    type: 'boolean',
    default: null,
    description: 'Default `key.converter.schemas.enable` of connectors that set none.',
  },
  {
    name: 'value.converter.schemas.enable',
    type: 'boolean',
    default: null,
    description: 'Default `value.converter.schemas.enable` of connectors that set none.',
  },
  {
    name: 'plugin.path',
    type: 'list',
    default: null,
    description: 'Accepted for compatibility; ignored (the plugins are built in), with a log line.',
  },
  {
    name: 'log.level',
    type: 'string',
    default: 'info',
    oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
    description: 'Lowest level written to the log (JSON lines on stdout).',
  },
  ...kafkaClientKeys,
  ...restSecurityKeys,
  ...configProviderKeys,
]);

/** The worker's parsed configuration. */
export interface WorkerConfig {
  readonly bootstrapServers: readonly string[];
  readonly restHost: string;
  readonly restPort: number;
  readonly groupId: string;
  readonly offsetStorageTopic: string;
  readonly offsetStorageFile: string | null;
  readonly offsetStoragePartitions: number;
  readonly offsetStorageReplicationFactor: number;
  readonly configStorageTopic: string;
  readonly configStorageFile: string | null;
  readonly configStorageReplicationFactor: number;
  readonly statusStorageTopic: string;
  readonly offsetFlushIntervalMs: number;
  /** `task.shutdown.graceful.timeout.ms`. */
  readonly shutdownTimeoutMs: number;
  /** `exactly.once.source.support=enabled`. */
  readonly exactlyOnce: boolean;
  /** Converter properties connectors inherit when they set none. */
  readonly connectorDefaults: Readonly<Record<string, string>>;
  readonly pluginPath: readonly string[] | null;
  readonly logLevel: string;
  /** `http` or `https`, from `listeners`. */
  readonly restScheme: 'http' | 'https';
  /** HTTPS, basic authentication and CORS of the REST API. */
  readonly restSecurity: RestSecurity;
  /** Kafka client security properties of each kind of client (Kafka's names). */
  readonly clientProperties: WorkerClientProperties;
  /** `connector.client.config.override.policy`. */
  readonly overridePolicy: OverridePolicy;
  /** Resolves `${provider:path:key}` references (`config.providers`). */
  readonly configProviders: ConfigProviders;
  /** Deprecation warnings met while parsing. */
  readonly warnings: readonly string[];
}

/** Prefix of the environment variables that override worker properties. */
export const ENV_PREFIX = 'OUTFLOW_RELAY_';

/** `rest.port` → `OUTFLOW_RELAY_REST_PORT`. */
export function envName(property: string): string {
  return ENV_PREFIX + property.toUpperCase().replace(/[.-]/g, '_');
}

/**
 * Parses worker properties (from a `.properties` file) with environment overrides
 * (`OUTFLOW_RELAY_<NAME>`, which win). Throws a ConfigError naming every wrong property.
 */
export function loadWorkerConfig(
  props: Readonly<Record<string, string>> = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): WorkerConfig {
  const merged: Record<string, string> = { ...props };
  for (const name of workerConfigDef.keys.keys()) {
    const fromEnv = env[envName(name)];
    if (fromEnv !== undefined) merged[name] = fromEnv;
  }
  // Connect resolves provider references in the worker file too (e.g. a sasl.jaas.config kept in a file).
  const configProviders = new ConfigProviders(merged, env);
  const resolved = configProviders.resolve(merged);
  const { values, warnings } = workerConfigDef.parse(resolved, {
    allowUnknown: (name) =>
      isClientPrefixedProperty(name) || isProviderProperty(name) || name.startsWith('listeners.https.'),
  });
  const v = values as Record<string, unknown>;
  let restHost = v['rest.host.name'] as string;
  let restPort = v['rest.port'] as number;
  let restScheme: 'http' | 'https' = 'http';
  const listeners = v.listeners as string[] | null;
  if (listeners !== null && listeners.length > 0) {
    const url = new URL(listeners[0]!);
    restHost = url.hostname.replace(/^\[|\]$/g, '') || '0.0.0.0';
    restPort = Number(url.port);
    restScheme = url.protocol === 'https:' ? 'https' : 'http';
  }
  for (const name of Object.keys(resolved))
    if (name.startsWith('listeners.https.') && !workerConfigDef.keys.has(name))
      throw new ConfigError([{ property: name, message: 'is not a supported property' }]);
  const connectorDefaults: Record<string, string> = {};
  for (const name of [
    'key.converter',
    'value.converter',
    'key.converter.schemas.enable',
    'value.converter.schemas.enable',
  ]) {
    if (v[name] !== null && v[name] !== undefined) connectorDefaults[name] = String(v[name]);
  }
  return {
    bootstrapServers: v['bootstrap.servers'] as string[],
    restHost,
    restPort,
    groupId: v['group.id'] as string,
    offsetStorageTopic: v['offset.storage.topic'] as string,
    offsetStorageFile: v['offset.storage.file.filename'] as string | null,
    offsetStoragePartitions: v['offset.storage.partitions'] as number,
    offsetStorageReplicationFactor: v['offset.storage.replication.factor'] as number,
    configStorageTopic: v['config.storage.topic'] as string,
    configStorageFile: v['config.storage.file.filename'] as string | null,
    configStorageReplicationFactor: v['config.storage.replication.factor'] as number,
    statusStorageTopic: v['status.storage.topic'] as string,
    offsetFlushIntervalMs: v['offset.flush.interval.ms'] as number,
    shutdownTimeoutMs: v['task.shutdown.graceful.timeout.ms'] as number,
    exactlyOnce: v['exactly.once.source.support'] === 'enabled',
    connectorDefaults,
    pluginPath: v['plugin.path'] as string[] | null,
    logLevel: v['log.level'] as string,
    restScheme,
    restSecurity: loadRestSecurity(v, resolved, restScheme, env),
    clientProperties: loadWorkerClientProperties(resolved),
    overridePolicy: v['connector.client.config.override.policy'] as OverridePolicy,
    configProviders,
    warnings,
  };
}
