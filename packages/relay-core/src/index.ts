export {
  CLOUDEVENTS_CONVERTER,
  CLOUDEVENTS_CONVERTER_KEYS,
  type CloudEventsConverterOptions,
  createCloudEventsConverter,
} from './cloudevents-converter.ts';
export {
  ConfigDef,
  type ConfigKey,
  type ConfigType,
  isSecretProperty,
  maskSecrets,
  type ParsedConfig,
  SECRET_MASK,
} from './config-def.ts';
export {
  type ConfigRegex,
  ConfigRegexError,
  type ConfigRegexMatch,
  type ConfigRegexOptions,
  type ConfigReplacement,
  checkConfigRegex,
  compileConfigRegex,
  compileConfigReplacement,
} from './config-regex.ts';
export type {
  Converter,
  OffsetStore,
  Sink,
  SourceBacklog,
  SourcePending,
  SourceTask,
  SourceTaskContext,
  Transform,
} from './contracts.ts';
export {
  buildChangeRecord,
  buildTableSchemas,
  type ChangeEvent,
  type ChangeOp,
  type ColumnField,
  commonSourceFields,
  ENVELOPE_SCHEMA_VERSION,
  nowMicros,
  SOURCE_SCHEMA_VERSION,
  snapshotFieldSchema,
  sourceBlockSchema,
  type TableDescription,
  type TableEnvelopeSchemas,
  tombstoneFor,
  transactionBlockSchema,
} from './envelope.ts';
export { ConfigError, type ConfigProblem, RelayError, type RelayErrorCode } from './errors.ts';
export { createJsonConverter, type JsonConverterOptions } from './json-converter.ts';
export { type Logger, silentLogger } from './logger.ts';
export type { SourceConnectorPlugin, TransformPlugin } from './plugins.ts';
export type { Header, ProducerRecord, SourceOffset, SourcePartition, SourceRecord } from './record.ts';
export {
  type Field,
  field,
  fieldSchema,
  type Schema,
  Schemas,
  type SchemaType,
  type Struct,
  struct,
} from './schema.ts';
export { CaptureLists, type CaptureListsOptions, validateRegexList } from './source/capture-filter.ts';
export { ChangePump, type ChangePumpOptions, type PausableTransport } from './source/change-pump.ts';
export {
  type CommonSourceConfig,
  heartbeatConfigKeys,
  normaliseSnapshotMode,
  queueConfigKeys,
  readCommonSourceConfig,
  regexListConfigKey,
  SNAPSHOT_MODES,
  type SnapshotMode,
  snapshotConfigKeys,
  topicPrefixConfigKey,
} from './source/config-keys.ts';
export { isConnectionLost } from './source/connection-errors.ts';
export {
  CONTEXT_HEADER_KEYS,
  type ContextHeaderOptions,
  contextHeaders,
  extendedHeadersConfigKey,
} from './source/context-headers.ts';
export {
  type HeartbeatRecordOptions,
  heartbeatKeySchema,
  heartbeatRecord,
  heartbeatValueSchema,
} from './source/heartbeat.ts';
export { HeartbeatTimer } from './source/heartbeat-timer.ts';
export { bigIntToTwosComplement, decimalToUnscaledBytes, toInt64 } from './source/numeric.ts';
export { type LogPosition, SourcePoller, type SourcePollerOptions } from './source/poller.ts';
export { RecordQueue } from './source/record-queue.ts';
export { type MarkedRowSink, SnapshotMarkers, snapshotMarker } from './source/snapshot-markers.ts';
export {
  CONNECTOR_VERSION,
  type CommonSourceValues,
  commonSourceStruct,
  type SnapshotMarker,
} from './source/source-info.ts';
export {
  gapMessage,
  type LostPosition,
  planStart,
  positionLostError,
  type StartFacts,
  type StartPlan,
} from './source/start-plan.ts';
export { runSourceTask, sourceTimestamp, type TaskLoopOptions, type TaskMetrics } from './task-loop.ts';
export {
  formatDuration,
  type SupervisedStatus,
  type SupervisorOptions,
  superviseSourceTask,
} from './task-supervisor.ts';
