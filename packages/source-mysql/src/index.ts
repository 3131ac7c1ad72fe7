export type { ColumnMeta, TypeModes } from './column-types.ts';
export {
  acceptsDriverProperty,
  acceptsMySqlProperty,
  type MySqlSourceConfig,
  mysqlConfigDef,
  type SnapshotMode,
  toMySqlSourceConfig,
  validateMySqlConfig,
} from './config.ts';
export { CaptureFilter } from './filters.ts';
export { MySqlSourceTask } from './mysql-source-task.ts';
export type { BinlogOffset } from './offsets.ts';
export { mysqlConnectorPlugin } from './plugin.ts';
export { mysqlSourceSchema } from './source-info.ts';
