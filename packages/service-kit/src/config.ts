/**
 * Configuration from environment variables: every option declared once with its variable, default,
 * validation and description. A service lists its options ({@link ConfigOption}), reads them with
 * {@link loadOptions} at start-up (failing with every bad variable named) and renders its README table with
 * {@link describeOptions}. The options every service has are built by {@link databaseUrlOption},
 * {@link portOption}, {@link hostOption} and {@link logLevelOption}.
 */

/** Raised by {@link loadOptions} when an environment variable holds a bad value; the message names it. */
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

/** What a parser returns for a bad value: what was expected (the caller adds the variable name). */
export interface Expected {
  readonly expected: string;
}

/** One option, without the configuration key it fills. */
export interface OptionDefinition<T> {
  /** The environment variable. */
  readonly env: string;
  /** The value used when the variable is unset or empty (it goes through `parse` too). */
  readonly default: string;
  /** One sentence for the reference table (Markdown). */
  readonly description: string;
  /** Returns the parsed value, or what was expected. */
  readonly parse: (raw: string) => T | Expected;
  /** How a bad value is shown in the error (e.g. a URL with its password hidden); default: as given. */
  readonly show?: (raw: string) => string;
}

/** One option filling `key` of the configuration `C`. */
export type ConfigOption<C> = { [K in keyof C]: OptionDefinition<C[K]> & { readonly key: K } }[keyof C];

/** Pino log levels accepted by `LOG_LEVEL`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SCHEMES: Record<string, true> = {
  'mysql:': true,
  'mariadb:': true,
  'postgres:': true,
  'postgresql:': true,
};
const DATABASE_NAME = /^[A-Za-z0-9_-]{1,63}$/;

function isExpected(value: unknown): value is Expected {
  return typeof value === 'object' && value !== null && 'expected' in value;
}

/**
 * Reads and validates `options` from `env` (normally `process.env`). Unset or empty variables take their
 * default. Returns a frozen object with one property per option, in option order.
 *
 * @throws {ConfigError} naming every bad variable, e.g. `PORT must be an integer 1-65535, got 'abc'`.
 */
export function loadOptions<C>(
  options: readonly ConfigOption<C>[],
  env: Readonly<Record<string, string | undefined>>,
): C {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const option of options as readonly (OptionDefinition<unknown> & { key: string })[]) {
    const given = env[option.env];
    const raw = given === undefined || given === '' ? option.default : given;
    const parsed = option.parse(raw);
    if (isExpected(parsed)) {
      const shown = option.show ? option.show(raw) : raw;
      problems.push(`${option.env} must be ${parsed.expected}, got '${shown}'`);
    } else {
      values[option.key] = parsed;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values) as C;
}

/** The configuration reference as a Markdown table (variable, default, description), in option order. */
export function describeOptions(options: readonly OptionDefinition<unknown>[]): string {
  const lines = ['| variable | default | description |', '| --- | --- | --- |'];
  for (const option of options) {
    lines.push(`| \`${option.env}\` | \`${option.default}\` | ${option.description} |`);
  }
  return lines.join('\n');
}

/** The database name in a database URL's path (`/course` → `course`), percent-decoded. */
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

/**
 * `DATABASE_URL`: a `mysql://`, `mariadb://`, `postgres://` or `postgresql://` URL whose path names the
 * database. Bad values are shown with the password replaced by `***`.
 *
 * @param defaultUrl the default; its database name is the one the error message's example shows.
 */
export function databaseUrlOption(defaultUrl: string): OptionDefinition<string> {
  const example = `mysql://user:password@host:3307/${databaseName(new URL(defaultUrl))}`;
  return {
    env: 'DATABASE_URL',
    default: defaultUrl,
    description:
      '`mysql://` or `mariadb://` for MySQL/MariaDB, `postgres://` or `postgresql://` for PostgreSQL; the path names ' +
      'the database, created at start-up if missing.',
    parse(raw) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return { expected: `a URL like ${example}` };
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
    show: redactUrl,
  };
}

/** `PORT`: the HTTP port, 1-65535. */
export function portOption(defaultPort: number): OptionDefinition<number> {
  return {
    env: 'PORT',
    default: String(defaultPort),
    description: 'HTTP port.',
    parse(raw) {
      const n = Number(raw);
      return /^\d+$/.test(raw) && n >= 1 && n <= 65535 ? n : { expected: 'an integer 1-65535' };
    },
  };
}

/** `HOST`: the interface to bind, default `127.0.0.1`. */
export function hostOption(): OptionDefinition<string> {
  return {
    env: 'HOST',
    default: '127.0.0.1',
    description: 'Interface to bind; `0.0.0.0` to accept connections from other machines.',
    parse: (raw) => (raw.trim() !== '' && !/\s/.test(raw) ? raw : { expected: 'a host name or IP address' }),
  };
}

/** `LOG_LEVEL`: the pino log level, default `info`. */
export function logLevelOption(): OptionDefinition<LogLevel> {
  return {
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'Pino log level.',
    parse: (raw) =>
      (LOG_LEVELS as readonly string[]).includes(raw)
        ? (raw as LogLevel)
        : { expected: `one of ${LOG_LEVELS.join(', ')}` },
  };
}
