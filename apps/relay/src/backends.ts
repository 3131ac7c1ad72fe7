import { createAdmin, createGroupClient, type GroupClient } from '@outflow/kafka';
import {
  createFileOffsetStore,
  createKafkaKvStore,
  createKafkaOffsetStore,
  type KafkaKvStore,
} from '@outflow/offset-store';
import { createKafkaSink, type KafkaSinkOptions } from '@outflow/sink-kafka';
import type { Logger } from 'pino';
import type { RelayBackends } from './relay.ts';
import { type ConfigStore, createFileConfigStore } from './worker/config-store.ts';
import type { SinkTopicOptions } from './worker/herder.ts';
import { createKafkaConfigStore } from './worker/kafka-config-store.ts';
import type { AdminOffsetStore } from './worker/offsets.ts';
import type { WorkerConfig } from './worker-config.ts';

/**
 * The production backends when the configs are in Kafka: the relay is then a worker of the cluster its
 * `group.id` names, with the status topic and the group membership client. (Kept out of the public types:
 * they would bring the Kafka client's own declarations into every user's type check.)
 */
export interface ClusterBackends extends RelayBackends {
  /** The options `createSink` builds its producer from, for a task that builds it in its own thread. */
  readonly sinkOptions?: (connector: string, topics: SinkTopicOptions) => Omit<KafkaSinkOptions, 'logger'>;
  readonly cluster?: {
    readonly statuses: KafkaKvStore;
    readonly statusWriter: KafkaKvStore;
    readonly group: GroupClient;
  };
}

/**
 * The production stores and sink the worker configuration names: compacted Kafka topics for configs and
 * offsets (or JSON files when `*.file.filename` is set), and one Kafka producer per running task.
 */
export async function createBackends(config: WorkerConfig, logger: Logger): Promise<ClusterBackends> {
  const bootstrapServers = config.bootstrapServers;
  const configStore: ConfigStore =
    config.configStorageFile !== null
      ? createFileConfigStore(config.configStorageFile)
      : createKafkaConfigStore(
          createKafkaKvStore({
            bootstrapServers,
            topic: config.configStorageTopic,
            partitions: 1,
            replicationFactor: config.configStorageReplicationFactor,
            clientId: `${config.groupId}-configs`,
            clientProperties: config.clientProperties.worker,
            logger: logger.child({ store: 'configs' }),
          }),
        );
  const offsetStore: AdminOffsetStore =
    config.offsetStorageFile !== null
      ? createFileOffsetStore({ path: config.offsetStorageFile, logger: logger.child({ store: 'offsets' }) })
      : createKafkaOffsetStore({
          bootstrapServers,
          topic: config.offsetStorageTopic,
          partitions: config.offsetStoragePartitions,
          replicationFactor: config.offsetStorageReplicationFactor,
          clientId: `${config.groupId}-offsets`,
          clientProperties: config.clientProperties.worker,
          logger: logger.child({ store: 'offsets' }),
        });
  // Configs in Kafka: this relay is a worker of the cluster its group.id names (Connect's distributed mode).
  const cluster: ClusterBackends['cluster'] =
    config.configStorageFile !== null
      ? undefined
      : {
          statuses: createKafkaKvStore({
            bootstrapServers,
            topic: config.statusStorageTopic,
            partitions: config.statusStoragePartitions,
            replicationFactor: config.statusStorageReplicationFactor,
            clientId: `${config.groupId}-statuses`,
            clientProperties: config.clientProperties.worker,
            logger: logger.child({ store: 'statuses' }),
          }),
          statusWriter: createKafkaKvStore({
            bootstrapServers,
            topic: config.statusStorageTopic,
            partitions: config.statusStoragePartitions,
            replicationFactor: config.statusStorageReplicationFactor,
            clientId: `${config.groupId}-status-writer`,
            clientProperties: config.clientProperties.worker,
            logger: logger.child({ store: 'statuses' }),
          }),
          group: createGroupClient({
            bootstrapServers,
            clientId: `${config.groupId}-group`,
            groupId: config.groupId,
            protocolType: 'connect',
            sessionTimeoutMs: config.group.sessionTimeoutMs,
            rebalanceTimeoutMs: config.group.rebalanceTimeoutMs,
            clientProperties: config.clientProperties.worker,
          }),
        };
  const sinkOptions = (
    connector: string,
    { clientOverrides, ...topics }: SinkTopicOptions,
  ): Omit<KafkaSinkOptions, 'logger'> => ({
    bootstrapServers,
    clientId: `${config.groupId}-${connector}`,
    // Connect: the worker's producer.* settings, then the connector's producer.override.* ones.
    clientProperties: { ...config.clientProperties.producer, ...clientOverrides },
    ...topics,
  });
  let clusterId: Promise<string | null> | undefined;
  return {
    configStore,
    offsetStore,
    ...(cluster === undefined ? {} : { cluster }),
    sinkOptions,
    createSink: (connector, topics) =>
      createKafkaSink({
        ...sinkOptions(connector, topics),
        logger: logger.child({ connector, component: 'sink' }),
      }),
    kafkaClusterId() {
      clusterId ??= readClusterId(bootstrapServers, config.groupId, config.clientProperties.admin).then(
        (id) => {
          if (id === null) clusterId = undefined;
          return id;
        },
      );
      return clusterId;
    },
    async close() {
      await Promise.allSettled([
        offsetStore.close(),
        configStore.close(),
        cluster?.statuses.close(),
        cluster?.statusWriter.close(),
        cluster?.group.close(),
      ]);
    },
  };
}

async function readClusterId(
  bootstrapServers: readonly string[],
  groupId: string,
  clientProperties: Readonly<Record<string, string>>,
): Promise<string | null> {
  const admin = createAdmin({ bootstrapServers, clientId: `${groupId}-admin`, retries: 0, clientProperties });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return metadata.id;
  } catch {
    return null;
  } finally {
    await admin.close().catch(() => undefined);
  }
}
