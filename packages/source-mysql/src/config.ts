import { clientSecurity, SECURITY_PROPERTY_NAMES } from '@outflow/kafka';
import {
  type CommonSourceConfig,
  ConfigDef,
  type ConfigProblem,
  contextHeaders,
  extendedHeadersConfigKey,
  type Header,
  heartbeatConfigKeys,
  queueConfigKeys,
  readCommonSourceConfig,
  regexListConfigKey,
  snapshotConfigKeys,
  topicPrefixConfigKey,
} from '@outflow/relay-core';

export type { SnapshotMode } from '@outflow/relay-core';

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
  topicPrefixConfigKey,
  regexListConfigKey(
    'database.include.list',
    'Comma-separated regexes (anchored) of the databases to capture; all when unset.',
  ),
  regexListConfigKey(
    'database.exclude.list',
    'Comma-separated regexes (anchored) of the databases not to capture.',
  ),
  regexListConfigKey(
    'table.include.list',
    'Comma-separated regexes (anchored) of `db.table` to capture; all when unset.',
  ),
  regexListConfigKey(
    'table.exclude.list',
    'Comma-separated regexes (anchored) of `db.table` not to capture.',
  ),
  regexListConfigKey(
    'column.exclude.list',
    'Comma-separated regexes (anchored) of `db.table.column` left out of change events.',
  ),
  ...snapshotConfigKeys,
  {
    name: 'include.schema.changes',
    type: 'boolean',
    default: true,
    description:
      'Publish every DDL statement of the captured databases (and, while snapshotting, the statements that recreate their tables) to the `<topic.prefix>` topic as Debezium schema-change records (`io.debezium.connector.<mysql|mariadb>.SchemaChangeKey`/`SchemaChangeValue`, key `databaseName`).',
  },
  ...heartbeatConfigKeys,
  extendedHeadersConfigKey,
  ...queueConfigKeys,
  {
    name: 'schema.history.internal.kafka.bootstrap.servers',
    type: 'string',
    default: null,
    aliases: ['database.history.kafka.bootstrap.servers'],
    description:
      "Brokers of the schema history topic (with `schema.history.internal.kafka.topic`). The history keeps every DDL statement with the table definitions it left (Debezium's record format); at start the definitions in force at the stored offset are recovered from it, so rows written before an ALTER TABLE decode with the definition they were written under, also after a restart and after the binlog holding the DDL was purged. Unset: the history lives only as long as the task, and a restarted task starts from the definitions information_schema shows (rows still decode by the binlog's table maps). Plaintext connections only.",
  },
  {
    name: 'schema.history.internal.kafka.topic',
    type: 'string',
    default: null,
    aliases: ['database.history.kafka.topic'],
    description:
      'The schema history topic: one partition, never cleaned up (created so if missing). One per connector; never share it, never use it as a data topic.',
  },
  {
    name: 'schema.history.internal.store.only.captured.tables.ddl',
    type: 'boolean',
    default: false,
    aliases: ['database.history.store.only.captured.tables.ddl'],
    description:
      'Keep in the schema history only the statements of captured tables (and of captured databases), instead of every DDL statement of the server.',
  },
  {
    name: 'schema.history.internal.store.only.captured.databases.ddl',
    type: 'boolean',
    default: false,
    aliases: ['database.history.store.only.captured.databases.ddl'],
    description:
      'Keep in the schema history only the statements of the captured databases, instead of every DDL statement of the server.',
  },
  {
    name: 'database.ssl.mode',
    type: 'string',
    default: 'disabled',
    oneOf: ['disabled', 'preferred', 'required', 'verify_ca', 'verify_identity'],
    description:
      'TLS to the server: disabled, preferred, required (encrypted, the certificate not checked), verify_ca (signed by a CA of `database.ssl.truststore`), verify_identity (and naming `database.hostname`).',
  },
  {
    name: 'database.ssl.truststore',
    type: 'string',
    default: null,
    description:
      "Outflow reads this as a **PEM file** of the CA certificates that sign the server's certificate (Debezium takes a JKS store; convert it with `keytool -exportcert -rfc`). Default: the system CAs.",
  },
  {
    name: 'database.ssl.truststore.password',
    type: 'password',
    default: null,
    description: 'Accepted for compatibility; a PEM truststore needs no password.',
  },
  {
    name: 'database.ssl.keystore',
    type: 'string',
    default: null,
    description:
      'Client certificate for mutual TLS, as a **PEM file** holding the private key and its certificate chain (Debezium takes a JKS store).',
  },
  {
    name: 'database.ssl.keystore.password',
    type: 'password',
    default: null,
    description: 'Decrypts an encrypted private key in `database.ssl.keystore`.',
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

/** The parsed connector configuration the task works with. */
export interface MySqlSourceConfig extends CommonSourceConfig {
  /**
   * Debezium 3's context headers of this task run: built with a fresh run id each time the configuration is
   * made, which the connector plugin does once per task start.
   */
  readonly contextHeaders: readonly Header[];
  readonly connector: 'mysql' | 'mariadb';
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly serverId: number;
  readonly databaseInclude: readonly string[] | null;
  readonly databaseExclude: readonly string[] | null;
  readonly tableInclude: readonly string[] | null;
  readonly tableExclude: readonly string[] | null;
  readonly columnExclude: readonly string[] | null;
  readonly sslMode: string;
  /** PEM file of trusted CAs (`database.ssl.truststore`), or null for the system's. */
  readonly sslTruststore: string | null;
  /** PEM file with the client key and chain (`database.ssl.keystore`), or null. */
  readonly sslKeystore: string | null;
  readonly sslKeystorePassword: string | null;
  readonly connectTimeoutMs: number;
  readonly decimalHandlingMode: 'precise' | 'double' | 'string';
  readonly timePrecisionMode: 'adaptive_time_microseconds' | 'connect';
  readonly bigintUnsignedHandlingMode: 'long' | 'precise';
  readonly binaryHandlingMode: 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
  readonly failureHandlingMode: 'fail' | 'warn' | 'skip';
  readonly includeSchemaChanges: boolean;
  /** Where the schema history is kept; null: in memory only. */
  readonly schemaHistoryKafka: {
    readonly bootstrapServers: string;
    readonly topic: string;
    /** Kafka client security properties (Kafka's names) of the history's clients. */
    readonly clientProperties: Readonly<Record<string, string>>;
  } | null;
  readonly storeOnlyCapturedTablesDdl: boolean;
  readonly storeOnlyCapturedDatabasesDdl: boolean;
  /** `database.*` properties not declared above, passed to the driver (e.g. `allowPublicKeyRetrieval`). */
  readonly driverProperties: Readonly<Record<string, string>>;
}

/** True for undeclared `database.*` properties, which Debezium passes to the JDBC driver. */
export function acceptsDriverProperty(name: string): boolean {
  return name.startsWith('database.') && !mysqlConfigDef.has(name);
}

/** Debezium's prefixes of the schema history's Kafka client properties. */
const HISTORY_CLIENT_PREFIXES = ['schema.history.internal.producer.', 'schema.history.internal.consumer.'];

/**
 * The Kafka property a `schema.history.internal.producer.*` / `.consumer.*` property sets (only the
 * connection security ones: `security.protocol`, `sasl.*`, `ssl.*`), or null.
 */
export function historyClientProperty(name: string): string | null {
  for (const prefix of HISTORY_CLIENT_PREFIXES) {
    if (!name.startsWith(prefix)) continue;
    const kafkaName = name.slice(prefix.length);
    return SECURITY_PROPERTY_NAMES.includes(kafkaName) ? kafkaName : null;
  }
  return null;
}

/** Every property the connector takes besides its declared ones: driver and history client properties. */
export function acceptsMySqlProperty(name: string): boolean {
  return acceptsDriverProperty(name) || historyClientProperty(name) !== null;
}

/**
 * The history clients' security: one set for its producer, consumer and admin client, so the producer and
 * consumer prefixes must agree where both are given (Debezium's deployments set them alike).
 */
function historyClientProperties(raw: Readonly<Record<string, unknown>>): {
  properties: Record<string, string>;
  conflicts: string[];
} {
  const properties: Record<string, string> = {};
  const conflicts: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const kafkaName = historyClientProperty(name);
    if (kafkaName === null || value === undefined || value === null) continue;
    const text = String(value);
    if (properties[kafkaName] !== undefined && properties[kafkaName] !== text) conflicts.push(name);
    properties[kafkaName] = text;
  }
  return { properties, conflicts };
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
  const history = ['schema.history.internal.kafka.bootstrap.servers', 'schema.history.internal.kafka.topic'];
  const given = history.filter((name) => typeof values[name] === 'string' && values[name] !== '');
  if (given.length === 1)
    problems.push({
      property: history.find((name) => !given.includes(name))!,
      message: `is required with ${given[0]}: the schema history needs both`,
    });
  const clients = historyClientProperties(values);
  for (const name of clients.conflicts)
    problems.push({
      property: name,
      message: 'differs from the same property of the other schema history client (producer/consumer)',
    });
  if (clients.conflicts.length === 0 && Object.keys(clients.properties).length > 0) {
    try {
      clientSecurity(clients.properties, 'schema.history.internal.producer.');
    } catch (error) {
      problems.push({ property: 'schema.history.internal.producer.*', message: (error as Error).message });
    }
  }
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
  const common = readCommonSourceConfig(values);
  return {
    ...common,
    contextHeaders: contextHeaders({
      enabled: common.extendedHeadersEnabled,
      logicalName: common.topicPrefix,
      connectorName: connector,
    }),
    connector,
    hostname: String(values['database.hostname']),
    port: Number(values['database.port']),
    user: String(values['database.user']),
    password: String(values['database.password'] ?? ''),
    serverId: Number(values['database.server.id']),
    databaseInclude: list('database.include.list'),
    databaseExclude: list('database.exclude.list'),
    tableInclude: list('table.include.list'),
    tableExclude: list('table.exclude.list'),
    columnExclude: list('column.exclude.list'),
    sslMode: String(values['database.ssl.mode']),
    sslTruststore: (values['database.ssl.truststore'] as string | null) || null,
    sslKeystore: (values['database.ssl.keystore'] as string | null) || null,
    sslKeystorePassword: (values['database.ssl.keystore.password'] as string | null) || null,
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
    includeSchemaChanges: values['include.schema.changes'] !== false,
    schemaHistoryKafka:
      values['schema.history.internal.kafka.bootstrap.servers'] &&
      values['schema.history.internal.kafka.topic']
        ? {
            bootstrapServers: String(values['schema.history.internal.kafka.bootstrap.servers']),
            topic: String(values['schema.history.internal.kafka.topic']),
            clientProperties: historyClientProperties(raw).properties,
          }
        : null,
    storeOnlyCapturedTablesDdl: values['schema.history.internal.store.only.captured.tables.ddl'] === true,
    storeOnlyCapturedDatabasesDdl:
      values['schema.history.internal.store.only.captured.databases.ddl'] === true,
    driverProperties,
  };
}
