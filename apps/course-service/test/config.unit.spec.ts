import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, configOptions, describeConfig, loadConfig, redactUrl } from '../src/config.ts';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies every default', () => {
    assert.deepEqual(
      { ...loadConfig({}) },
      {
        databaseUrl: 'mysql://outflow:outflow@127.0.0.1:3307/course',
        port: 8080,
        host: '127.0.0.1',
        outboxMode: 'insert-then-delete',
        outboxTable: 'outbox',
        logLevel: 'info',
      },
    );
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ PORT: '' }).port, 8080);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db.example:5433/courses',
      PORT: '9000',
      HOST: '0.0.0.0',
      OUTBOX_MODE: 'keep',
      OUTBOX_TABLE: 'public.outbox_events',
      LOG_LEVEL: 'debug',
    });
    assert.deepEqual(
      { ...config },
      {
        databaseUrl: 'postgresql://u:p@db.example:5433/courses',
        port: 9000,
        host: '0.0.0.0',
        outboxMode: 'keep',
        outboxTable: 'public.outbox_events',
        logLevel: 'debug',
      },
    );
  });

  it('accepts the four database URL schemes', () => {
    for (const scheme of ['mysql', 'mariadb', 'postgres', 'postgresql']) {
      assert.equal(loadConfig({ DATABASE_URL: `${scheme}://h/db` }).databaseUrl, `${scheme}://h/db`);
    }
  });

  it('names the variable and the bad value', () => {
    assert.deepEqual(problemsOf({ PORT: 'abc' }), ["PORT must be an integer 1-65535, got 'abc'"]);
    for (const port of ['0', '65536', '-1', '80.5', ' 80']) {
      assert.match(problemsOf({ PORT: port })[0] ?? '', /^PORT must be an integer 1-65535/);
    }
    assert.match(
      problemsOf({ OUTBOX_MODE: 'delete' })[0] ?? '',
      /^OUTBOX_MODE must be one of insert-then-delete, keep/,
    );
    assert.match(problemsOf({ LOG_LEVEL: 'loud' })[0] ?? '', /^LOG_LEVEL must be one of fatal/);
    assert.match(
      problemsOf({ OUTBOX_TABLE: 'out box;' })[0] ?? '',
      /^OUTBOX_TABLE must be an SQL identifier/,
    );
    assert.match(problemsOf({ HOST: ' ' })[0] ?? '', /^HOST must be/);
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'y' });
    assert.equal(problems.length, 2);
    assert.match(problems.join('\n'), /PORT/);
    assert.match(problems.join('\n'), /LOG_LEVEL/);
  });

  it('rejects database URLs it cannot use, without printing the password', () => {
    const cases: Record<string, RegExp> = {
      'redis://u:hunter2@h/db':
        /DATABASE_URL must be a mysql:\/\/, mariadb:\/\/, postgres:\/\/ or postgresql:\/\/ URL/,
      'mysql://u:hunter2@h:3307/': /DATABASE_URL must be a URL whose path names the database/,
      'mysql://u:hunter2@h/a;b': /names the database/,
      'not a url': /DATABASE_URL must be a URL like/,
    };
    for (const [url, expected] of Object.entries(cases)) {
      let message = '';
      try {
        loadConfig({ DATABASE_URL: url });
      } catch (error) {
        message = (error as Error).message;
      }
      assert.match(message, expected, url);
      assert.doesNotMatch(message, /hunter2/, url);
    }
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

describe('describeConfig', () => {
  it('lists every option with its default', () => {
    const table = describeConfig();
    for (const option of configOptions) {
      assert.ok(table.includes(`| \`${option.env}\` | \`${option.default}\` |`), option.env);
    }
  });

  it('is the table in the README (regenerate it when an option changes)', () => {
    // Compare cell by cell: the formatter pads Markdown tables.
    const cells = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('|'))
        .map((line) =>
          line
            .split('|')
            .map((cell) => cell.trim().replace(/^-+$/, '---'))
            .join('|'),
        )
        .join('\n');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    assert.ok(
      cells(readme).includes(cells(describeConfig())),
      'README.md configuration table is out of date',
    );
  });
});
