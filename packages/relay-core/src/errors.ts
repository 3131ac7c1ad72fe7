/** Stable error codes of the relay. Check errors by `code`, never by message. */
export type RelayErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_UNSUPPORTED'
  | 'CONNECTOR_NOT_FOUND'
  | 'CONNECTOR_EXISTS'
  | 'SOURCE_POSITION_LOST'
  | 'SOURCE_UNAVAILABLE'
  | 'SOURCE_DECODE_FAILED'
  | 'SOURCE_SLOT_IN_USE'
  | 'SOURCE_PRIVILEGE_MISSING'
  | 'SOURCE_SERVER_MISCONFIGURED'
  | 'TRANSFORM_FAILED'
  | 'SINK_FAILED'
  | 'OFFSET_STORE_FAILED'
  /** The schema history (a MySQL/MariaDB connector's DDL log in Kafka) could not be read or written. */
  | 'SCHEMA_HISTORY_FAILED';

/** Base error of the relay: a stable `code`, structured `details`, and whether retrying may help. */
export class RelayError extends Error {
  readonly code: RelayErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly retriable: boolean;

  constructor(
    code: RelayErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelayError';
    this.code = code;
    this.details = options.details ?? {};
    this.retriable = options.retriable ?? false;
  }
}

/** One invalid property of a configuration. */
export interface ConfigProblem {
  readonly property: string;
  readonly message: string;
}

/** A configuration was rejected; `problems` names every property at fault. */
export class ConfigError extends RelayError {
  readonly problems: readonly ConfigProblem[];

  constructor(
    problems: readonly ConfigProblem[],
    code: 'CONFIG_INVALID' | 'CONFIG_UNSUPPORTED' = 'CONFIG_INVALID',
  ) {
    super(code, problems.map((p) => `${p.property}: ${p.message}`).join('; '), { details: { problems } });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
