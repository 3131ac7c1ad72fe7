/**
 * `@outflow/relay`: the CDC relay process — the worker that runs connectors, its Kafka Connect–compatible
 * REST API, Prometheus metrics and the `outflow-relay` CLI.
 */
export { createPluginRegistry, type PluginRegistry } from './plugins.ts';
export { parseProperties } from './properties.ts';
export {
  type ConnectorDefinition,
  type CreatedRelay,
  createRelay,
  type RelayBackends,
  type RunningRelay,
  type StartRelayOptions,
  startRelay,
} from './relay.ts';
export {
  type ConfigStore,
  createFileConfigStore,
  createMemoryConfigStore,
  type StoredConnector,
  type TargetState,
} from './worker/config-store.ts';
export { type AdminOffsetStore, createMemoryOffsetStore, type OffsetEntry } from './worker/offsets.ts';
export { loadWorkerConfig, type WorkerConfig, workerConfigDef } from './worker-config.ts';
