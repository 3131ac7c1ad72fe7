export {
  ConfigDef,
  type ConfigKey,
  type ConfigType,
  isSecretProperty,
  maskSecrets,
  type ParsedConfig,
  SECRET_MASK,
} from './config-def.ts';
export type { Converter, OffsetStore, Sink, SourceTask, SourceTaskContext, Transform } from './contracts.ts';
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
export { bigIntToTwosComplement, decimalToUnscaledBytes, toInt64 } from './source/numeric.ts';
export { RecordQueue } from './source/record-queue.ts';
export {
  CONNECTOR_VERSION,
  type CommonSourceValues,
  commonSourceStruct,
  type SnapshotMarker,
} from './source/source-info.ts';
export { runSourceTask, type TaskLoopOptions, type TaskMetrics } from './task-loop.ts';
