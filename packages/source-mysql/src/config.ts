import { ConfigDef, type ConfigProblem } from '@outflow/relay-core';

/**
 * Every property of the MySQL/MariaDB connector, declared once with Debezium's name, default and meaning
 * (REFERENCE §3). Properties Outflow accepts but does not act on say so in their description.
 */
export const mysqlConfigDef = new ConfigDef([
  {
    name: 'database.hostname',
    type: 'string',
    description: 'Host name or address of the MySQL/MariaDB server.',
  },
  {
    name: 'database.port',
    type: 'int',
    default: 3306,
    min: 1,
    max: 65535,
    description: 'Port of the server.',
  },
  {
    name: 'database.user',
    type: 'string',
    description: 'User with REPLICATION SLAVE, REPLICATION CLIENT and SELECT.',
  },
  { name: 'database.password', type: 'password', default: '', description: 'Password of the user.' },
  {
    name: 'database.server.id',
    type: 'long',
    min: 1,
    max: 4294967295,
    description: 'Numeric id this connector uses as a replica; unique among all replicas of the server.',
  },
  {
    name: 'topic.prefix',
    type: 'string',
    aliases: ['database.server.name'],
    validate: (v) =>
      typeof v === 'string' && /^[A-Za-z0-9._-]+$/.test(v)
        ? undefined
        : 'must be made of letters, digits, ".", "_" and "-"',
    description: 'Logical name of the server: the first part of every topic and the offset partition key.',
  },
  {
    name: 'database.include.list',
    type: 'list',
    default: null,
    validate: validateRegexList,
    description: 'Comma-separated regexes (anchored) of the databases to capture; all when unset.',
  },
  {
    name: 'database.exclude.list',
    type: 'list',
    default: null,
    validate: validateRegexList,
    description: 'Comma-separated regexes (anchored) of the databases not to capture.',
  },
  {
    name: 'table.include.list',
    type: 'list',
    default: null,
    validate: validateRegexList,
    description: 'Comma-separated regexes (anchored) of `db.table` to capture; all when unset.',
  },
  {
    name: 'table.exclude.list',
    type: 'list',
    default: null,
    validate: validateRegexList,
    description: 'Comma-separated regexes (anchored) of `db.table` not to capture.',
  },
  {
    name: 'column.exclude.list',
    type: 'list',
    default: null,
    validate: validateRegexList,
    description: 'Comma-separated regexes (anchored) of `db.table.column` left out of change events.',
  },
  {
    name: 'snapshot.mode',
    type: 'string',
    default: 'initial',
    validate: (v) =>
      typeof v === 'string' && SNAPSHOT_MODES.includes(v.toLowerCase() as never)
        ? undefined
        : `'${String(v)}' is not supported; use one of ${SNAPSHOT_MODES.join(', ')}`,
    description:
      'When to read the existing rows: initial (no stored offset), initial_only (then stop streaming), ' +
      'when_needed (also when the stored position is gone), always, no_data/schema_only/never (stream only).',
  },
  {
    name: 'include.schema.changes',
    type: 'boolean',
    default: true,
    description: 'Accepted for compatibility; Outflow emits no schema change events.',
  },
  {
    name: 'tombstones.on.delete',
    type: 'boolean',
    default: true,
    description: 'Whether a delete is followed by a tombstone (same key, null value).',
  },
  {
    name: 'heartbeat.interval.ms',
    type: 'int',
    default: 0,
    min: 0,
    description:
      'Emit a heartbeat carrying the current binlog position after this long without changes; 0 = off.',
  },
  {
    name: 'heartbeat.topics.prefix',
    type: 'string',
    default: '__debezium-heartbeat',
    description: 'Heartbeat records go to `<prefix>.<topic.prefix>`.',
  },
  {
    name: 'max.batch.size',
    type: 'int',
    default: 2048,
    min: 1,
    description: 'Most records one poll returns.',
  },
  {
    name: 'max.queue.size',
    type: 'int',
    default: 8192,
    min: 1,
    description: 'Records buffered between the binlog reader and poll; reading pauses when it is full.',
  },
  {
    name: 'poll.interval.ms',
    type: 'int',
    default: 500,
    min: 0,
    description: 'How long poll waits for the first record.',
  },
  {
    name: 'schema.history.internal.kafka.bootstrap.servers',
    type: 'string',
    default: null,
    aliases: ['database.history.kafka.bootstrap.servers'],
    description:
      'Accepted for compatibility, not used: Outflow reads table schemas from the binlog row metadata and ' +
      'information_schema, so it keeps no schema history topic.',
  },
  {
    name: 'schema.history.internal.kafka.topic',
    type: 'string',
    default: null,
    aliases: ['database.history.kafka.topic'],
    description:
      'Accepted for compatibility, not used (see schema.history.internal.kafka.bootstrap.servers).',
  },
  {
    name: 'database.ssl.mode',
    type: 'string',
    default: 'disabled',
    oneOf: ['disabled', 'preferred', 'required', 'verify_ca', 'verify_identity'],
    description:
      'TLS to the server: disabled, preferred, required (no verification), verify_ca, verify_identity.',
  },
  {
    name: 'connect.timeout.ms',
    type: 'int',
    default: 30000,
    min: 1,
    description: 'How long to wait for a connection to the server.',
  },
  {
    name: 'decimal.handling.mode',
    type: 'string',
    default: 'precise',
    oneOf: ['precise', 'double', 'string'],
    description: 'DECIMAL as Connect Decimal bytes (precise), float64 (double) or text (string).',
  },
  {
    name: 'time.precision.mode',
    type: 'string',
    default: 'adaptive_time_microseconds',
    oneOf: ['adaptive_time_microseconds', 'connect'],
    description:
      'adaptive_time_microseconds: Debezium time types by column precision; connect: Kafka Connect logical types (ms).',
  },
  {
    name: 'bigint.unsigned.handling.mode',
    type: 'string',
    default: 'long',
    oneOf: ['long', 'precise'],
    description: 'BIGINT UNSIGNED as int64 (long) or Connect Decimal (precise).',
  },
  {
    name: 'binary.handling.mode',
    type: 'string',
    default: 'bytes',
    oneOf: ['bytes', 'base64', 'base64-url-safe', 'hex'],
    description: 'Binary columns as bytes, or as text in base64, base64-url-safe or hex.',
  },
  {
    name: 'event.processing.failure.handling.mode',
    type: 'string',
    default: 'fail',
    oneOf: ['fail', 'warn', 'skip'],
    description:
      'What to do with an event that cannot be decoded: fail the connector, log and skip it, or skip it.',
  },
]);

/** Debezium's snapshot modes Outflow supports (`never` = `no_data`, `schema_only` is its legacy name). */
export const SNAPSHOT_MODES = [
  'initial',
  'initial_only',
  'when_needed',
  'always',
  'no_data',
  'schema_only',
  'never',
] as const;

/** The snapshot behaviours after aliases are resolved. */
export type SnapshotMode = 'initial' | 'initial_only' | 'when_needed' | 'always' | 'no_data';

/** The parsed connector configuration the task works with. */
export interface MySqlSourceConfig {
  readonly connector: 'mysql' | 'mariadb';
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly serverId: number;
  readonly topicPrefix: string;
  readonly databaseInclude: readonly string[] | null;
  readonly databaseExclude: readonly string[] | null;
  readonly tableInclude: readonly string[] | null;
  readonly tableExclude: readonly string[] | null;
  readonly columnExclude: readonly string[] | null;
  readonly snapshotMode: SnapshotMode;
  readonly tombstonesOnDelete: boolean;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTopicsPrefix: string;
  readonly maxBatchSize: number;
  readonly maxQueueSize: number;
  readonly pollIntervalMs: number;
  readonly sslMode: string;
  readonly connectTimeoutMs: number;
  readonly decimalHandlingMode: 'precise' | 'double' | 'string';
  readonly timePrecisionMode: 'adaptive_time_microseconds' | 'connect';
  readonly bigintUnsignedHandlingMode: 'long' | 'precise';
  readonly binaryHandlingMode: 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
  readonly failureHandlingMode: 'fail' | 'warn' | 'skip';
  /** `database.*` properties not declared above, passed to the driver (e.g. `allowPublicKeyRetrieval`). */
  readonly driverProperties: Readonly<Record<string, string>>;
}

/** True for undeclared `database.*` properties, which Debezium passes to the JDBC driver. */
export function acceptsDriverProperty(name: string): boolean {
  return name.startsWith('database.') && !mysqlConfigDef.has(name);
}

/** Cross-property checks: an include list and an exclude list of the same kind cannot be combined. */
export function validateMySqlConfig(values: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const set = (name: string) => Array.isArray(values[name]) && (values[name] as unknown[]).length > 0;
  if (set('database.include.list') && set('database.exclude.list'))
    problems.push({
      property: 'database.exclude.list',
      message: 'cannot be used together with database.include.list',
    });
  if (set('table.include.list') && set('table.exclude.list'))
    problems.push({
      property: 'table.exclude.list',
      message: 'cannot be used together with table.include.list',
    });
  return problems;
}

/**
 * Turns the parsed property values (from `mysqlConfigDef.parse`) into the task's configuration.
 * `raw` gives the pass-through driver properties.
 */
export function toMySqlSourceConfig(
  values: Readonly<Record<string, unknown>>,
  connector: 'mysql' | 'mariadb',
  raw: Readonly<Record<string, unknown>> = values,
): MySqlSourceConfig {
  const list = (name: string) => {
    const v = values[name];
    return Array.isArray(v) && v.length > 0 ? (v as string[]) : null;
  };
  const driverProperties: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (acceptsDriverProperty(k) && v !== undefined && v !== null) driverProperties[k] = String(v);
  }
  return {
    connector,
    hostname: String(values['database.hostname']),
    port: Number(values['database.port']),
    user: String(values['database.user']),
    password: String(values['database.password'] ?? ''),
    serverId: Number(values['database.server.id']),
    topicPrefix: String(values['topic.prefix']),
    databaseInclude: list('database.include.list'),
    databaseExclude: list('database.exclude.list'),
    tableInclude: list('table.include.list'),
    tableExclude: list('table.exclude.list'),
    columnExclude: list('column.exclude.list'),
    snapshotMode: normaliseSnapshotMode(String(values['snapshot.mode'])),
    tombstonesOnDelete: values['tombstones.on.delete'] !== false,
    heartbeatIntervalMs: Number(values['heartbeat.interval.ms']),
    heartbeatTopicsPrefix: String(values['heartbeat.topics.prefix']),
    maxBatchSize: Number(values['max.batch.size']),
    maxQueueSize: Number(values['max.queue.size']),
    pollIntervalMs: Number(values['poll.interval.ms']),
    sslMode: String(values['database.ssl.mode']),
    connectTimeoutMs: Number(values['connect.timeout.ms']),
    decimalHandlingMode: values['decimal.handling.mode'] as MySqlSourceConfig['decimalHandlingMode'],
    timePrecisionMode: values['time.precision.mode'] as MySqlSourceConfig['timePrecisionMode'],
    bigintUnsignedHandlingMode: values[
      'bigint.unsigned.handling.mode'
    ] as MySqlSourceConfig['bigintUnsignedHandlingMode'],
    binaryHandlingMode: values['binary.handling.mode'] as MySqlSourceConfig['binaryHandlingMode'],
    failureHandlingMode: values[
      'event.processing.failure.handling.mode'
    ] as MySqlSourceConfig['failureHandlingMode'],
    driverProperties,
  };
}

/** Resolves Debezium's aliases: `schema_only` and `never` mean `no_data`. */
export function normaliseSnapshotMode(mode: string): SnapshotMode {
  const lower = mode.toLowerCase();
  if (lower === 'schema_only' || lower === 'never') return 'no_data';
  return lower as SnapshotMode;
}

function validateRegexList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const pattern of value as string[]) {
    try {
      new RegExp(`^(?:${pattern})$`);
    } catch {
      return `'${pattern}' is not a valid regular expression`;
    }
  }
  return undefined;
}
