import { createKafkaSink } from '@outflow/sink-kafka';
import type { Logger } from 'pino';
import type { RelayBackends } from './relay.ts';
import { createFileConfigStore, createMemoryConfigStore } from './worker/config-store.ts';
import { createMemoryOffsetStore } from './worker/offsets.ts';
import type { WorkerConfig } from './worker-config.ts';

/** The production stores and sink named by the worker configuration. */
export async function createBackends(config: WorkerConfig, logger: Logger): Promise<RelayBackends> {
  const configStore =
    config.configStorageFile === null
      ? createMemoryConfigStore()
      : createFileConfigStore(config.configStorageFile);
  const offsetStore = createMemoryOffsetStore();
  return {
    configStore,
    offsetStore,
    createSink: (connector) =>
      createKafkaSink({
        bootstrapServers: config.bootstrapServers,
        clientId: `${config.groupId}-${connector}`,
        logger: logger.child({ connector }),
      }),
    kafkaClusterId: async () => null,
    async close() {
      await offsetStore.close();
      await configStore.close();
    },
  };
}
