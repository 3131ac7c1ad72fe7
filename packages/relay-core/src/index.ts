export { ConfigDef, type ConfigKey, type ConfigType, isSecretProperty, maskSecrets, type ParsedConfig, SECRET_MASK } from './config-def.ts';
export type { Converter, OffsetStore, Sink, SourceTask, SourceTaskContext, Transform } from './contracts.ts';
export { type ConfigProblem, ConfigError, RelayError, type RelayErrorCode } from './errors.ts';
export { type Logger, silentLogger } from './logger.ts';
export type { Header, ProducerRecord, SourceOffset, SourcePartition, SourceRecord } from './record.ts';
export { type Field, field, type Schema, type SchemaType, Schemas, type Struct, fieldSchema, struct } from './schema.ts';
