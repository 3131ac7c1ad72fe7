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
import type { TypeModes } from './decoder/values.ts';
import type { TableFilterOptions } from './filters.ts';

export type { SnapshotMode } from '@outflow/relay-core';

/** How the publication is created when it does not exist (`publication.autocreate.mode`). */
export type PublicationAutocreateMode = 'all_tables' | 'disabled' | 'filtered';

/** The parsed configuration of a PostgreSQL source task. */
export interface PostgresSourceConfig extends CommonSourceConfig {
  /**
   * Debezium 3's context headers of this task run: built with a fresh run id each time the configuration is
   * made, which the connector plugin does once per task start.
   */
  readonly contextHeaders: readonly Header[];
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly sslMode: string;
  /** PEM files of `database.sslrootcert`, `database.sslcert`, `database.sslkey`; null when unset. */
  readonly sslRootCert: string | null;
  readonly sslCert: string | null;
  readonly sslKey: string | null;
  readonly sslPassword: string | null;
  readonly slotName: string;
  readonly dropSlotOnStop: boolean;
  readonly publicationName: string;
  readonly publicationAutocreateMode: PublicationAutocreateMode;
  readonly filter: TableFilterOptions;
  /** Operations not emitted (`c`, `u`, `d`, `t`). */
  readonly skippedOperations: ReadonlySet<string>;
  readonly unavailableValuePlaceholder: string;
  readonly heartbeatActionQuery: string | null;
  readonly statusUpdateIntervalMs: number;
  /** `wal_sender_timeout` of the replication connection in ms; null = the server's setting. */
  readonly walSenderTimeoutMs: number | null;
  readonly typeModes: TypeModes;
  /** How long a standby waits between checks of a slot held by another process. */
  readonly standbyPollIntervalMs: number;
}

/**
 * Every property of the PostgreSQL connector, declared once with Debezium's name, default and meaning
 * (REFERENCE §4). Deviations: `plugin.name` defaults to `pgoutput` (Debezium: `decoderbufs`, which Outflow
 * does not support) and `database.sslmode` to `disable` (Debezium: `prefer`).
 */
export const postgresConfigDef = new ConfigDef([
  {
    name: 'database.hostname',
    type: 'string',
    description: 'Host name or address of the PostgreSQL server.',
  },
  {
    name: 'database.port',
    type: 'int',
    default: 5432,
    min: 1,
    max: 65535,
    description: 'Port of the server.',
  },
  {
    name: 'database.user',
    type: 'string',
    description: 'User with the REPLICATION attribute (or a superuser).',
  },
  { name: 'database.password', type: 'password', default: '', description: 'Password of the user.' },
  { name: 'database.dbname', type: 'string', description: 'Database to capture changes from.' },
  {
    name: 'database.sslmode',
    type: 'string',
    default: 'disable',
    oneOf: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'],
    description:
      'Whether to use TLS: disable, require (encrypted, the certificate not checked), verify-ca (signed by a CA of `database.sslrootcert`), verify-full (and naming `database.hostname`).',
  },
  {
    name: 'database.sslrootcert',
    type: 'string',
    default: null,
    description:
      "PEM file of the CA certificates that sign the server's certificate (default: the system CAs).",
  },
  {
    name: 'database.sslcert',
    type: 'string',
    default: null,
    description:
      'PEM file of the client certificate (chain), with `database.sslkey`, for certificate authentication.',
  },
  {
    name: 'database.sslkey',
    type: 'string',
    default: null,
    description: 'PEM file of the private key of `database.sslcert`.',
  },
  {
    name: 'database.sslpassword',
    type: 'password',
    default: null,
    description: 'Decrypts an encrypted `database.sslkey`.',
  },
  topicPrefixConfigKey,
  {
    name: 'plugin.name',
    type: 'string',
    default: 'pgoutput',
    validate: (v) =>
      String(v).toLowerCase() === 'pgoutput'
        ? undefined
        : `'${String(v)}' is not supported by Outflow; use pgoutput (built into PostgreSQL 10+)`,
    description: 'Logical decoding output plugin; Outflow supports pgoutput only.',
  },
  {
    name: 'slot.name',
    type: 'string',
    default: 'debezium',
    validate: (v) =>
      typeof v === 'string' && /^[a-z0-9_]{1,63}$/.test(v)
        ? undefined
        : 'must be 1-63 lower-case letters, digits or underscores (a PostgreSQL replication slot name)',
    description: 'Name of the logical replication slot; one slot per connector.',
  },
  {
    name: 'slot.drop.on.stop',
    type: 'boolean',
    default: false,
    description:
      'Drop the slot when the task stops (tests and throwaway setups only: changes made while stopped are lost).',
  },
  {
    name: 'publication.name',
    type: 'string',
    default: 'dbz_publication',
    description: 'Name of the publication pgoutput streams.',
  },
  {
    name: 'publication.autocreate.mode',
    type: 'string',
    default: 'all_tables',
    oneOf: ['all_tables', 'disabled', 'filtered'],
    description:
      'When the publication is missing: all_tables creates it FOR ALL TABLES; filtered creates it for the ' +
      'captured tables (and keeps it in step on restart); disabled fails.',
  },
  regexListConfigKey(
    'schema.include.list',
    'Comma-separated regexes (anchored) of schemas to capture; all when unset.',
    ['schema.whitelist'],
  ),
  regexListConfigKey('schema.exclude.list', 'Comma-separated regexes (anchored) of schemas not to capture.', [
    'schema.blacklist',
  ]),
  regexListConfigKey(
    'table.include.list',
    'Comma-separated regexes (anchored) of `schema.table` to capture; all when unset.',
    ['table.whitelist'],
  ),
  regexListConfigKey(
    'table.exclude.list',
    'Comma-separated regexes (anchored) of `schema.table` not to capture.',
    ['table.blacklist'],
  ),
  ...snapshotConfigKeys,
  {
    name: 'skipped.operations',
    type: 'list',
    default: ['t'],
    validate: (v) => {
      const bad = (v as string[]).filter((op) => !['c', 'u', 'd', 't', 'none'].includes(op));
      return bad.length === 0 ? undefined : `unknown operation(s) ${bad.join(', ')}; use c, u, d, t or none`;
    },
    description: 'Operations not emitted: c, u, d, t (truncate; Outflow never emits it), or none.',
  },
  {
    name: 'unavailable.value.placeholder',
    type: 'string',
    default: '__debezium_unavailable_value',
    description:
      'Value emitted for an unchanged TOASTed column the server did not send (use REPLICA IDENTITY FULL to get it).',
  },
  ...heartbeatConfigKeys,
  extendedHeadersConfigKey,
  {
    name: 'heartbeat.action.query',
    type: 'string',
    default: null,
    description: 'SQL run on the source database at each heartbeat (e.g. to write to a heartbeat table).',
  },
  ...queueConfigKeys,
  {
    name: 'status.update.interval.ms',
    type: 'int',
    default: 10000,
    min: 1,
    description:
      'How often the confirmed position is reported to the server (also keeps the connection alive).',
  },
  {
    name: 'wal.sender.timeout.ms',
    type: 'int',
    default: 0,
    min: 0,
    description:
      "Outflow only: the replication connection's wal_sender_timeout (PostgreSQL 12+); 0 = the server's " +
      'setting (60 s by default). The server frees the slot when it hears nothing for this long from a relay ' +
      'that hangs or lost its network, so a standby takes over sooner. At least 3 × status.update.interval.ms.',
  },
  {
    name: 'decimal.handling.mode',
    type: 'string',
    default: 'precise',
    oneOf: ['precise', 'double', 'string'],
    description: 'numeric as Connect Decimal / VariableScaleDecimal (precise), float64 (double) or string.',
  },
  {
    name: 'time.precision.mode',
    type: 'string',
    default: 'adaptive',
    oneOf: ['adaptive', 'adaptive_time_microseconds', 'connect'],
    description:
      'Temporal types by column precision (adaptive), with time always in µs, or as Connect types (ms).',
  },
  {
    name: 'binary.handling.mode',
    type: 'string',
    default: 'bytes',
    oneOf: ['bytes', 'base64', 'base64-url-safe', 'hex'],
    description: 'bytea as bytes or as an encoded string.',
  },
]);

/** `database.*` driver settings Debezium passes through (e.g. `database.sslrootcert`, `database.tcpKeepAlive`). */
export function acceptsDriverProperty(name: string): boolean {
  return name.startsWith('database.') && !postgresConfigDef.has(name);
}

/** Checks properties together. */
export function validatePostgresConfig(values: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (Number(values['max.queue.size']) <= Number(values['max.batch.size']))
    problems.push({ property: 'max.queue.size', message: 'must be larger than max.batch.size' });
  const walSenderTimeout = Number(values['wal.sender.timeout.ms']);
  if (walSenderTimeout > 0 && walSenderTimeout < 3 * Number(values['status.update.interval.ms']))
    problems.push({
      property: 'wal.sender.timeout.ms',
      message:
        'must be at least 3 × status.update.interval.ms: the status updates are what keeps the server from ' +
        'ending a healthy connection (lower status.update.interval.ms too)',
    });
  return problems;
}

/** Turns parsed properties into the task's configuration. */
export function toPostgresSourceConfig(values: Readonly<Record<string, unknown>>): PostgresSourceConfig {
  // biome-ignore lint/suspicious/noExplicitAny: values were parsed and checked against postgresConfigDef
  const v = values as Record<string, any>;
  const skipped = new Set<string>(v['skipped.operations'] as string[]);
  skipped.delete('none');
  const common = readCommonSourceConfig(values);
  return {
    ...common,
    contextHeaders: contextHeaders({
      enabled: common.extendedHeadersEnabled,
      logicalName: common.topicPrefix,
      connectorName: 'postgresql',
    }),
    host: v['database.hostname'],
    port: v['database.port'],
    user: v['database.user'],
    password: v['database.password'] ?? '',
    database: v['database.dbname'],
    sslMode: v['database.sslmode'],
    sslRootCert: v['database.sslrootcert'] || null,
    sslCert: v['database.sslcert'] || null,
    sslKey: v['database.sslkey'] || null,
    sslPassword: v['database.sslpassword'] || null,
    slotName: v['slot.name'],
    dropSlotOnStop: v['slot.drop.on.stop'],
    publicationName: v['publication.name'],
    publicationAutocreateMode: v['publication.autocreate.mode'],
    filter: {
      schemaInclude: v['schema.include.list'],
      schemaExclude: v['schema.exclude.list'],
      tableInclude: v['table.include.list'],
      tableExclude: v['table.exclude.list'],
    },
    skippedOperations: skipped,
    unavailableValuePlaceholder: v['unavailable.value.placeholder'],
    heartbeatActionQuery: v['heartbeat.action.query'] ?? null,
    statusUpdateIntervalMs: v['status.update.interval.ms'],
    walSenderTimeoutMs: v['wal.sender.timeout.ms'] > 0 ? v['wal.sender.timeout.ms'] : null,
    typeModes: {
      decimalHandlingMode: v['decimal.handling.mode'],
      timePrecisionMode: v['time.precision.mode'],
      binaryHandlingMode: v['binary.handling.mode'],
    },
    standbyPollIntervalMs: 3000,
  };
}
