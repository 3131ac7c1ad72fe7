import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  type ConfigOption,
  databaseUrlOption,
  describeOptions,
  hostOption,
  type LogLevel,
  loadOptions,
  logLevelOption,
  portOption,
  redactUrl,
} from '../src/index.ts';

interface Config {
  readonly databaseUrl: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly colour: 'red' | 'blue';
}

const options: readonly ConfigOption<Config>[] = [
  { key: 'databaseUrl', ...databaseUrlOption('mysql://outflow:outflow@127.0.0.1:3307/things') },
  { key: 'port', ...portOption(8090) },
  { key: 'host', ...hostOption() },
  { key: 'logLevel', ...logLevelOption() },
  {
    key: 'colour',
    env: 'COLOUR',
    default: 'red',
    description: 'A colour.',
    parse: (raw) => (raw === 'red' || raw === 'blue' ? raw : { expected: 'red or blue' }),
  },
];

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadOptions(options, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadOptions', () => {
  it('applies the defaults, treats empty as unset, and freezes the result', () => {
    const config = loadOptions(options, { HOST: '' });
    assert.deepEqual(
      { ...config },
      {
        databaseUrl: 'mysql://outflow:outflow@127.0.0.1:3307/things',
        port: 8090,
        host: '127.0.0.1',
        logLevel: 'info',
        colour: 'red',
      },
    );
    assert.ok(Object.isFrozen(config));
  });

  it('names every bad variable at once, the database URL with its password hidden', () => {
    assert.deepEqual(problemsOf({ PORT: '0', COLOUR: 'green', DATABASE_URL: 'redis://u:hunter2@h/db' }), [
      "DATABASE_URL must be a mysql://, mariadb://, postgres:// or postgresql:// URL, got scheme 'redis:', got 'redis://u:***@h/db'",
      "PORT must be an integer 1-65535, got '0'",
      "COLOUR must be red or blue, got 'green'",
    ]);
    assert.deepEqual(problemsOf({ DATABASE_URL: 'nope' }), [
      "DATABASE_URL must be a URL like mysql://user:password@host:3307/things, got '<invalid URL>'",
    ]);
    assert.match(problemsOf({ DATABASE_URL: 'postgres://h/a;b' })[0] ?? '', /path names the database/);
    assert.match(problemsOf({ LOG_LEVEL: 'loud' })[0] ?? '', /^LOG_LEVEL must be one of fatal, error/);
    assert.match(problemsOf({ HOST: 'a b' })[0] ?? '', /^HOST must be a host name or IP address/);
  });
});

describe('describeOptions', () => {
  it('renders the Markdown reference table in option order', () => {
    const lines = describeOptions(options).split('\n');
    assert.equal(lines[0], '| variable | default | description |');
    assert.equal(lines.length, 2 + options.length);
    assert.equal(lines[3], '| `PORT` | `8090` | HTTP port. |');
    assert.equal(lines[6], '| `COLOUR` | `red` | A colour. |');
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    assert.equal(
      redactUrl('mysql://outflow:s3cret@127.0.0.1:3307/course'),
      'mysql://outflow:***@127.0.0.1:3307/course',
    );
    assert.equal(redactUrl('postgres://outflow@h/db'), 'postgres://outflow@h/db');
    assert.equal(redactUrl('::'), '<invalid URL>');
  });
});
