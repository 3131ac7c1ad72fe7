/**
 * `@outflow/service-kit`: what Outflow's services share, written once. Problem-JSON errors with a closed
 * catalogue of codes (`errors.ts`), configuration from environment variables (`config.ts`), the Fastify app
 * skeleton and schema pieces (`http/`), start-up and shutdown (`server.ts`), and connection pools on
 * MySQL/MariaDB and PostgreSQL whose transactions classify connection failures and run deadlock victims again
 * (`db/`, one folder per database with the same file set). A service keeps its routes, domain, repository SQL,
 * configuration variables and error codes.
 *
 * @packageDocumentation
 */
export {
  ConfigError,
  type ConfigOption,
  databaseName,
  databaseUrlOption,
  describeOptions,
  type Expected,
  hostOption,
  type LogLevel,
  loadOptions,
  logLevelOption,
  type OptionDefinition,
  portOption,
  redactUrl,
} from './config.ts';
export { connectPool, ensureDatabaseExists } from './db/connect.ts';
export { isMysqlUnavailable } from './db/mysql/connection-errors.ts';
export { createMysqlPool, ensureMysqlDatabase, fromMysqlPool } from './db/mysql/database.ts';
export { selectMysqlRows } from './db/mysql/rows.ts';
export {
  type Dialect,
  dialectOf,
  type PoolOptions,
  type ServiceDatabase,
  type SqlExecutor,
  type SqlPool,
  someCause,
  type Transaction,
} from './db/pool.ts';
export { isPostgresUnavailable } from './db/postgres/connection-errors.ts';
export { createPostgresPool, ensurePostgresDatabase, fromPostgresPool } from './db/postgres/database.ts';
export { selectPostgresRows } from './db/postgres/rows.ts';
export {
  isTransactionConflict,
  pingWithin,
  runTransaction,
  type TransactionConnection,
  withTimeout,
} from './db/run-transaction.ts';
export {
  type BaseErrorCode,
  baseErrorCatalogue,
  type CatalogueEntry,
  DatabaseUnavailableError,
  describeFieldErrors,
  type ErrorCatalogue,
  type FieldError,
  fieldErrors,
  loggableError,
  type Problem,
  problem,
  problemType,
  type SchemaError,
  ServiceError,
  type ServiceErrorOptions,
} from './errors.ts';
export { createServiceApp, type ServiceAppOptions } from './http/app.ts';
export {
  NOT_BLANK_PATTERN,
  type ProblemResponses,
  pageSchema,
  pagingQuerySchema,
  problemResponses,
  problemSchema,
  response,
  UUID_PATTERN,
  uuidParamsSchema,
  uuidSchema,
} from './http/schemas.ts';
export {
  closeOnce,
  listen,
  prepareDatabase,
  type RunningService,
  type RunServiceOptions,
  runService,
} from './server.ts';
export { startTracing, traceRequests, tracesExporter } from './tracing.ts';
