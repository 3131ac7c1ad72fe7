export {
  acceptsDriverProperty,
  type PostgresSourceConfig,
  type PublicationAutocreateMode,
  postgresConfigDef,
  type SnapshotMode,
  toPostgresSourceConfig,
  validatePostgresConfig,
} from './config.ts';
export type { TypeModes } from './decoder/values.ts';
export type { PgOffset } from './offsets.ts';
export { POSTGRES_CONNECTOR_CLASS, postgresConnectorPlugin } from './plugin.ts';
export { PostgresSourceTask } from './postgres-source-task.ts';
export { postgresSourceSchema } from './source-info.ts';
