import { ConfigDef, ConfigError } from '@outflow/relay-core';
import { envName } from './properties.ts';
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
    description:
      "Identifies the relay cluster. Relays with the same `group.id` (and the same config, offset and status topics) form one cluster through Kafka's group membership protocol, as Connect's distributed workers: the elected leader spreads the connectors over the workers, a worker that dies or joins triggers a rebalance, writes are forwarded to the leader. With `config.storage.file.filename` the relay runs alone (Connect's standalone mode). Also the Kafka client id prefix.",
  },
  {
    name: 'session.timeout.ms',
    type: 'int',
    default: 6000,
    min: 1,
    description:
      "How long the group coordinator waits for a worker's heartbeat before it declares the worker dead and moves its connectors: the bulk of the fail-over time. Connect's default is 10000; Outflow's is the broker's minimum (`group.min.session.timeout.ms`, 6000 by default) so that a task moves within about 10 s.",
  },
  {
    name: 'heartbeat.interval.ms',
    type: 'int',
    default: 2000,
    min: 1,
    description:
      'How often a worker heartbeats to the group coordinator; also how soon the other workers learn that a rebalance started. A third of `session.timeout.ms` or less.',
  },
  {
    name: 'rebalance.timeout.ms',
    type: 'int',
    default: 60000,
    min: 1,
    description: 'How long the coordinator waits for every worker to rejoin during a rebalance.',
  },
  {
    name: 'scheduled.rebalance.max.delay.ms',
    type: 'int',
    default: 0,
    min: 0,
    description:
      "How long the connectors of a worker that left the cluster wait for it to come back before they are given to another worker. Connect's default is 300000 (five minutes without the task); Outflow's is 0, because a CDC connector that waits falls behind its database: the task moves at once. Raise it for rolling restarts of workers that come back quickly.",
  },
  {
    name: 'rest.advertised.host.name',
    type: 'string',
    default: null,
    description:
      'Host name other workers use to reach this REST API (forwarded requests) and shown in `worker_id`. Default: `rest.host.name`, or the machine name when that is `0.0.0.0`.',
  },
  {
    name: 'rest.advertised.port',
    type: 'int',
    default: null,
    min: 0,
    max: 65535,
    description: 'Port other workers use to reach this REST API. Default: the port it listens on.',
  },
  {
    name: 'rest.advertised.listener',
    type: 'string',
    default: null,
    oneOf: ['http', 'https'],
    description: 'Scheme other workers use to reach this REST API. Default: that of `listeners`.',
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
    description:
      'Compacted topic where workers share connector and task states (created when missing), so `GET /connectors/{name}/status` on any worker of a cluster answers what the worker running the task reported.',
  },
  {
    name: 'status.storage.partitions',
    type: 'int',
    default: 5,
    min: 1,
    description: 'Partitions of the status topic when the relay creates it.',
  },
  {
    name: 'status.storage.replication.factor',
    type: 'int',
    default: 1,
    min: 1,
    description: 'Replication factor of the status topic when the relay creates it.',
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
    name: 'task.isolation',
    type: 'string',
    default: 'thread',
    oneOf: ['thread', 'none'],
    description:
      "Where each connector's task runs. `thread`: a worker thread of its own, so a busy task slows neither " +
      'the REST API nor the other connectors, and several connectors use several cores (~25 MB more per ' +
      'task). `none`: the main thread.',
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
  readonly statusStoragePartitions: number;
  readonly statusStorageReplicationFactor: number;
  /** Group membership of a relay cluster (Kafka stores only). */
  readonly group: {
    readonly sessionTimeoutMs: number;
    readonly heartbeatIntervalMs: number;
    readonly rebalanceTimeoutMs: number;
    readonly scheduledRebalanceMaxDelayMs: number;
  };
  /** What other workers are told to reach this one with; undefined parts come from the bound address. */
  readonly advertised: {
    readonly host: string | null;
    readonly port: number | null;
    readonly scheme: 'http' | 'https' | null;
  };
  readonly offsetFlushIntervalMs: number;
  /** `task.shutdown.graceful.timeout.ms`. */
  readonly shutdownTimeoutMs: number;
  /** `task.isolation`. */
  readonly taskIsolation: 'thread' | 'none';
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
    statusStoragePartitions: v['status.storage.partitions'] as number,
    statusStorageReplicationFactor: v['status.storage.replication.factor'] as number,
    group: {
      sessionTimeoutMs: v['session.timeout.ms'] as number,
      heartbeatIntervalMs: v['heartbeat.interval.ms'] as number,
      rebalanceTimeoutMs: v['rebalance.timeout.ms'] as number,
      scheduledRebalanceMaxDelayMs: v['scheduled.rebalance.max.delay.ms'] as number,
    },
    advertised: {
      host: v['rest.advertised.host.name'] as string | null,
      port: v['rest.advertised.port'] as number | null,
      scheme: v['rest.advertised.listener'] as 'http' | 'https' | null,
    },
    offsetFlushIntervalMs: v['offset.flush.interval.ms'] as number,
    shutdownTimeoutMs: v['task.shutdown.graceful.timeout.ms'] as number,
    taskIsolation: v['task.isolation'] as 'thread' | 'none',
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
