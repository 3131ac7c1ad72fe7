/**
 * The course service's configuration: every option declared once, with its environment variable, default,
 * validation and description. {@link loadConfig} reads them at start-up and fails on the first bad value
 * with the variable named; {@link describeConfig} renders the reference table in the README.
 */
import {
  type ConfigOption,
  databaseUrlOption,
  describeOptions,
  hostOption,
  type LogLevel,
  loadOptions,
  logLevelOption,
  portOption,
} from '@outflow/service-kit';

export { ConfigError, databaseName, type LogLevel, redactUrl } from '@outflow/service-kit';

/** Whether the outbox row stays (`keep`) or is deleted in the same transaction (`insert-then-delete`). */
export type OutboxModeSetting = 'insert-then-delete' | 'keep';

/** The validated configuration of the course service. */
export interface Config {
  /** Where the course database lives; the scheme picks MySQL/MariaDB or PostgreSQL. May hold a password. */
  readonly databaseUrl: string;
  /** TCP port the HTTP server listens on. */
  readonly port: number;
  /** Interface the HTTP server binds to. */
  readonly host: string;
  /** What happens to an outbox row after it is written. */
  readonly outboxMode: OutboxModeSetting;
  /** Name of the outbox table. */
  readonly outboxTable: string;
  /** Minimum level of the log lines written to stdout. */
  readonly logLevel: LogLevel;
}

const OUTBOX_MODES: readonly OutboxModeSetting[] = ['insert-then-delete', 'keep'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

/** Every option, in the order of the reference table. */
export const configOptions: readonly ConfigOption<Config>[] = [
  { key: 'databaseUrl', ...databaseUrlOption('mysql://outflow:outflow@127.0.0.1:3307/course') },
  { key: 'port', ...portOption(8080) },
  { key: 'host', ...hostOption() },
  {
    key: 'outboxMode',
    env: 'OUTBOX_MODE',
    default: 'insert-then-delete',
    description:
      '`insert-then-delete`: the outbox row is deleted in the same transaction (the binlog/WAL still carries it); ' +
      '`keep`: rows stay for inspection.',
    parse: (raw) =>
      (OUTBOX_MODES as readonly string[]).includes(raw)
        ? (raw as OutboxModeSetting)
        : { expected: `one of ${OUTBOX_MODES.join(', ')}` },
  },
  {
    key: 'outboxTable',
    env: 'OUTBOX_TABLE',
    default: 'outbox',
    description: 'Outbox table name (optionally `schema.table`), created at start-up if missing.',
    parse: (raw) =>
      IDENTIFIER.test(raw)
        ? raw
        : { expected: 'an SQL identifier ([A-Za-z_][A-Za-z0-9_]*, optionally schema.table)' },
  },
  { key: 'logLevel', ...logLevelOption() },
];

/**
 * Reads and validates the configuration from `env` (normally `process.env`). Unset or empty variables take
 * their default.
 *
 * @throws {ConfigError} naming every bad variable, e.g. `PORT must be an integer 1-65535, got 'abc'`. Values of
 *   `DATABASE_URL` are shown with the password replaced by `***`.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  return loadOptions(configOptions, env);
}

/** The configuration reference as a Markdown table, generated from {@link configOptions}. */
export function describeConfig(): string {
  return describeOptions(configOptions);
}
