/**
 * The catalog service's configuration: every option declared once, with its environment variable, default,
 * validation and description. {@link loadConfig} reads them at start-up and fails on the first bad value
 * with the variable named; {@link describeConfig} renders the reference table in the README.
 */

import { parseBootstrapServers } from '@outflow/kafka';

/** Pino log levels accepted by `LOG_LEVEL`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated configuration of the catalog service. */
export interface Config {
  /** Where the catalog database lives; the scheme picks MySQL/MariaDB or PostgreSQL. May hold a password. */
  readonly databaseUrl: string;
  /** TCP port the HTTP server listens on. */
  readonly port: number;
  /** Interface the HTTP server binds to. */
  readonly host: string;
  /** Kafka brokers, `host:port`. */
  readonly kafkaBootstrapServers: readonly string[];
  /** Consumer group of the catalog's course consumer. */
  readonly groupId: string;
  /** Topic the course events arrive on. */
  readonly topic: string;
  /** Minimum level of the log lines written to stdout. */
  readonly logLevel: LogLevel;
}

/** Raised by {@link loadConfig} when an environment variable holds a bad value; the message names it. */
export class ConfigError extends Error {
  /** Stable error code. */
  readonly code = 'CONFIG_INVALID';
  /** Every problem found, one line per variable. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

interface OptionSpec<K extends keyof Config> {
  readonly key: K;
  readonly env: string;
  readonly default: string;
  readonly description: string;
  /** Returns the parsed value, or a message saying what was expected (the caller adds the variable name). */
  readonly parse: (raw: string) => Config[K] | { readonly expected: string };
}

type AnyOptionSpec = { [K in keyof Config]: OptionSpec<K> }[keyof Config];

const SCHEMES: Record<string, true> = {
  'mysql:': true,
  'mariadb:': true,
  'postgres:': true,
  'postgresql:': true,
};
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const DATABASE_NAME = /^[A-Za-z0-9_-]{1,63}$/;

/** Every option, in the order of the reference table. */
export const configOptions: readonly AnyOptionSpec[] = [
  {
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    default: 'mysql://outflow:outflow@127.0.0.1:3307/catalog',
    description:
      '`mysql://` or `mariadb://` for MySQL/MariaDB, `postgres://` or `postgresql://` for PostgreSQL; the path names ' +
      'the database, created at start-up if missing.',
    parse(raw) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return { expected: 'a URL like mysql://user:password@host:3307/catalog' };
      }
      if (!SCHEMES[url.protocol]) {
        return {
          expected: `a mysql://, mariadb://, postgres:// or postgresql:// URL, got scheme '${url.protocol}'`,
        };
      }
      if (!url.hostname) return { expected: 'a URL with a host' };
      const name = databaseName(url);
      if (!DATABASE_NAME.test(name)) {
        return { expected: `a URL whose path names the database (letters, digits, _ or -), got '${name}'` };
      }
      return raw;
    },
  },
  {
    key: 'port',
    env: 'PORT',
    default: '8081',
    description: 'HTTP port.',
    parse(raw) {
      const n = Number(raw);
      return /^\d+$/.test(raw) && n >= 1 && n <= 65535 ? n : { expected: 'an integer 1-65535' };
    },
  },
  {
    key: 'host',
    env: 'HOST',
    default: '127.0.0.1',
    description: 'Interface to bind; `0.0.0.0` to accept connections from other machines.',
    parse: (raw) => (raw.trim() !== '' && !/\s/.test(raw) ? raw : { expected: 'a host name or IP address' }),
  },
  {
    key: 'kafkaBootstrapServers',
    env: 'KAFKA_BOOTSTRAP_SERVERS',
    default: '127.0.0.1:9092',
    description: 'Kafka brokers, comma-separated `host:port`.',
    parse(raw) {
      try {
        return parseBootstrapServers(raw, 'KAFKA_BOOTSTRAP_SERVERS');
      } catch {
        return { expected: 'comma-separated host:port entries with ports 1-65535' };
      }
    },
  },
  {
    key: 'groupId',
    env: 'CATALOG_GROUP_ID',
    default: 'catalog-service',
    description: 'Kafka consumer group; instances with the same group share the partitions.',
    parse: (raw) => (raw.trim() !== '' && !/\s/.test(raw) ? raw : { expected: 'a group id without spaces' }),
  },
  {
    key: 'topic',
    env: 'CATALOG_TOPIC',
    default: 'outbox.event.Course',
    description: 'Topic of the course events (the Outbox Event Router routes aggregate `Course` there).',
    parse: (raw) =>
      TOPIC.test(raw) ? raw : { expected: 'a topic name of 1-249 characters from [a-zA-Z0-9._-]' },
  },
  {
    key: 'logLevel',
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'Pino log level.',
    parse: (raw) =>
      (LOG_LEVELS as readonly string[]).includes(raw)
        ? (raw as LogLevel)
        : { expected: `one of ${LOG_LEVELS.join(', ')}` },
  },
];

/**
 * Reads and validates the configuration from `env` (normally `process.env`). Unset or empty variables take
 * their default.
 *
 * @throws {ConfigError} naming every bad variable, e.g. `PORT must be an integer 1-65535, got 'abc'`. Values of
 *   `DATABASE_URL` are shown with the password replaced by `***`.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const option of configOptions) {
    const given = env[option.env];
    const raw = given === undefined || given === '' ? option.default : given;
    const parsed = option.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && 'expected' in parsed) {
      const shown = option.key === 'databaseUrl' ? redactUrl(raw) : raw;
      problems.push(`${option.env} must be ${parsed.expected}, got '${shown}'`);
    } else {
      values[option.key] = parsed;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values) as unknown as Config;
}

/** The database name in a database URL's path (`/catalog` → `catalog`), percent-decoded. */
export function databaseName(url: URL): string {
  try {
    return decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    return url.pathname.replace(/^\//, '');
  }
}

/** `url` with its password (if any) replaced by `***`; safe to print. Unparseable input gives `<invalid URL>`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}

/** The configuration reference as a Markdown table, generated from {@link configOptions}. */
export function describeConfig(): string {
  const lines = ['| variable | default | description |', '| --- | --- | --- |'];
  for (const option of configOptions) {
    lines.push(`| \`${option.env}\` | \`${option.default}\` | ${option.description} |`);
  }
  return lines.join('\n');
}
