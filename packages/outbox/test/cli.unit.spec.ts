import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../src/cli.ts';
import { maskUrl, parseDatabaseUrl } from '../src/database-url.ts';
import { OutboxConfigError } from '../src/index.ts';

const SECRET = 'pa55:w@rd';
const ENCODED = encodeURIComponent(SECRET);

async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(argv, env, { out: (t) => (out += t), err: (t) => (err += t) });
  assert.ok(!`${out}${err}`.includes(SECRET) && !`${out}${err}`.includes(ENCODED), 'the password leaked');
  return { code, out, err };
}

describe('database URLs', () => {
  it('maps schemes to dialects and masks the password', () => {
    for (const [url, dialect] of [
      [`mysql://u:${ENCODED}@db:3306/course`, 'mysql'],
      [`mariadb://u:${ENCODED}@db/course`, 'mysql'],
      [`postgres://u:${ENCODED}@db:5432/course`, 'postgres'],
      [`postgresql://u:${ENCODED}@db/course`, 'postgres'],
    ] as const) {
      const parsed = parseDatabaseUrl(url);
      assert.equal(parsed.dialect, dialect);
      assert.equal(parsed.database, 'course');
      assert.equal(parsed.password, SECRET);
      assert.ok(parsed.masked.includes('u:***@db'), parsed.masked);
      assert.ok(!parsed.masked.includes(ENCODED));
    }
  });

  it('masks even unparseable URLs and unencoded @ in passwords', () => {
    assert.equal(maskUrl('mysql://root:p@ss@host:3306/db'), 'mysql://root:***@host:3306/db');
    assert.equal(maskUrl('postgres://host/db'), 'postgres://host/db');
    assert.equal(maskUrl('mysql://user@host/db'), 'mysql://user@host/db');
    assert.equal(maskUrl('mysql//u:p:w@h/db'), 'mysql//***@h/db');
  });

  it('rejects bad URLs naming the option, with the password masked', () => {
    for (const url of [`mysq://u:${ENCODED}@h/db`, `not a url ${ENCODED}`, `mysql://u:${ENCODED}@/db`]) {
      assert.throws(
        () => parseDatabaseUrl(url),
        (error: unknown) => {
          assert.ok(error instanceof OutboxConfigError);
          assert.equal(error.details.option, '--url');
          return true;
        },
      );
    }
  });
});

describe('migrate command', () => {
  it('--print prints the mysql DDL without connecting (the host does not exist)', async () => {
    const { code, out, err } = await cli([
      'migrate',
      '--url',
      `mariadb://u:${ENCODED}@no-such-host.invalid/course`,
      '--print',
      '--columns',
      'aggregateType=aggregate_type, aggregateId=aggregate_id',
    ]);
    assert.equal(err, '');
    assert.equal(code, 0);
    assert.match(out, /^CREATE TABLE IF NOT EXISTS `outbox` \(/);
    assert.match(out, /`aggregate_type` VARCHAR\(255\) NOT NULL/);
    assert.match(out, /`aggregate_id` VARCHAR\(255\) NOT NULL/);
    assert.match(out, /;\n$/);
  });

  it('--print with --dialect needs no URL; DATABASE_URL is read otherwise', async () => {
    const a = await cli(['--print', '--dialect', 'postgres', '--table', 'public.outbox']);
    assert.equal(a.code, 0);
    assert.match(a.out, /^CREATE TABLE IF NOT EXISTS "public"."outbox"/);
    const b = await cli(['--print'], { DATABASE_URL: `postgresql://u:${ENCODED}@h/db` });
    assert.equal(b.code, 0);
    assert.match(b.out, /"payload" jsonb NOT NULL/);
  });

  it('--help prints usage', async () => {
    const { code, out } = await cli(['--help']);
    assert.equal(code, 0);
    assert.match(out, /Usage: npm run migrate/);
  });

  const usageErrors: [string, string[], Record<string, string>, RegExp][] = [
    ['no URL at all', [], {}, /"--url".*DATABASE_URL/],
    ['--print without URL or dialect', ['--print'], {}, /"--url"/],
    ['a bad scheme', ['--url', `mongodb://u:${ENCODED}@h/db`], {}, /"--url".*mongodb:.*u:\*\*\*@h/],
    ['a bad DATABASE_URL', [], { DATABASE_URL: `mysql//u:${ENCODED}@h` }, /"DATABASE_URL"/],
    ['a bad table', ['--url', `mysql://u:${ENCODED}@h/db`, '--table', 'out-box'], {}, /"table".*"out-box"/],
    [
      'a bad --columns',
      ['--url', `mysql://u:${ENCODED}@h/db`, '--columns', 'aggregate_type'],
      {},
      /"--columns"/,
    ],
    [
      'an unknown column field',
      ['--url', `mysql://u:${ENCODED}@h/db`, '--columns', 'aggregate=aggregate_type'],
      {},
      /"columns.aggregate"/,
    ],
    [
      'a dialect contradicting the URL',
      ['--url', `mysql://u:${ENCODED}@h/db`, '--dialect', 'postgres'],
      {},
      /"--dialect"/,
    ],
    ['an unknown option', ['--pasword', SECRET], {}, /Unknown option '--pasword'/],
    ['an unknown command', ['upgrade'], {}, /"command".*"upgrade"/],
    ['a mysql URL with no database', ['--url', `mysql://u:${ENCODED}@h:3306`], {}, /names no database/],
  ];
  for (const [name, argv, env, message] of usageErrors) {
    it(`exits 2 on ${name}, naming the problem`, async () => {
      const { code, out, err } = await cli(argv, env);
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.match(err, message);
      assert.match(err, /--help/);
    });
  }
});
