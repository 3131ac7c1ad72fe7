import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelayError } from '@outflow/relay-core';
import { toRelayError } from '../src/errors.ts';
import { TableFilter } from '../src/filters.ts';
import { ensurePublication } from '../src/replication/publication.ts';
import { checkReplicationPrivilege, checkWalLevel } from '../src/server.ts';
import type { SqlExecutor } from '../src/tables.ts';

/** A fake executor answering by the first matching pattern and recording every statement. */
function fake(answers: [RegExp, Record<string, unknown>[]][]): SqlExecutor & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    async query(sql: string) {
      log.push(sql);
      for (const [pattern, rows] of answers) if (pattern.test(sql)) return { rows };
      return { rows: [] };
    },
  };
}

describe('server checks (fake server)', () => {
  it('fails on wal_level other than logical, naming the fix', async () => {
    await assert.rejects(
      checkWalLevel(fake([[/SHOW wal_level/, [{ wal_level: 'replica' }]]])),
      (error: unknown) => {
        assert.ok(error instanceof RelayError);
        assert.equal(error.code, 'SOURCE_SERVER_MISCONFIGURED');
        assert.equal(
          error.message,
          "wal_level is 'replica'; logical replication needs wal_level=logical (set it in postgresql.conf and restart)",
        );
        return true;
      },
    );
    await checkWalLevel(fake([[/SHOW wal_level/, [{ wal_level: 'logical' }]]]));
  });

  it('requires REPLICATION or superuser', async () => {
    await assert.rejects(
      checkReplicationPrivilege(fake([[/pg_roles/, [{ rolreplication: false, rolsuper: false }]]]), 'app'),
      (error: unknown) =>
        error instanceof RelayError &&
        error.code === 'SOURCE_PRIVILEGE_MISSING' &&
        error.message.includes("user 'app'") &&
        error.message.includes('ALTER ROLE "app" REPLICATION'),
    );
    await checkReplicationPrivilege(
      fake([[/pg_roles/, [{ rolreplication: true, rolsuper: false }]]]),
      'repl',
    );
    await checkReplicationPrivilege(fake([[/pg_roles/, [{ rolreplication: 'f', rolsuper: 't' }]]]), 'admin');
  });

  it('maps driver errors to relay codes', () => {
    assert.equal(
      toRelayError({ code: '28P01', message: 'password authentication failed' }, 'x').code,
      'SOURCE_UNAVAILABLE',
    );
    assert.equal(
      toRelayError({ code: '42501', message: 'permission denied' }, 'x').code,
      'SOURCE_PRIVILEGE_MISSING',
    );
    // A restarting server refuses connections and breaks pipes: retried, as on MySQL (it used to fail the task).
    assert.equal(toRelayError({ code: 'ECONNREFUSED', message: 'refused' }, 'x').retriable, true);
    assert.equal(toRelayError({ code: 'EPIPE', message: 'write EPIPE' }, 'x').retriable, true);
    assert.equal(toRelayError({ code: '57P01', message: 'terminating connection' }, 'x').retriable, true);
    assert.equal(toRelayError({ code: '08006', message: 'gone' }, 'x').retriable, true);
    assert.equal(
      toRelayError({ code: '28P01', message: 'password authentication failed' }, 'x').retriable,
      false,
    );
  });
});

describe('publication set-up (fake server)', () => {
  const tables = [
    { relationId: 1, schema: 'public', table: 'outbox' },
    { relationId: 2, schema: 'app', table: 'orders' },
  ];

  it('creates FOR ALL TABLES in all_tables mode', async () => {
    const db = fake([]);
    assert.equal(
      await ensurePublication(db, { name: 'dbz_publication', mode: 'all_tables', tables }),
      'created',
    );
    assert.ok(db.log.includes('CREATE PUBLICATION "dbz_publication" FOR ALL TABLES'));
  });

  it('creates and keeps in step a filtered publication', async () => {
    const db = fake([]);
    assert.equal(await ensurePublication(db, { name: 'p', mode: 'filtered', tables }), 'created');
    assert.ok(db.log.includes('CREATE PUBLICATION "p" FOR TABLE "public"."outbox", "app"."orders"'));
    const existing = fake([
      [/FROM pg_publication WHERE/, [{ puballtables: false }]],
      [/pg_publication_tables/, [{ schema: 'public', table: 'outbox' }]],
    ]);
    assert.equal(await ensurePublication(existing, { name: 'p', mode: 'filtered', tables }), 'altered');
    assert.ok(existing.log.includes('ALTER PUBLICATION "p" SET TABLE "public"."outbox", "app"."orders"'));
  });

  it('fails clearly when the publication is missing and autocreate is disabled', async () => {
    await assert.rejects(
      ensurePublication(fake([]), { name: 'p', mode: 'disabled', tables }),
      (error: unknown) =>
        error instanceof RelayError &&
        error.code === 'SOURCE_SERVER_MISCONFIGURED' &&
        /does not exist/.test(error.message),
    );
    assert.equal(
      await ensurePublication(fake([[/FROM pg_publication WHERE/, [{ puballtables: true }]]]), {
        name: 'p',
        mode: 'disabled',
        tables,
      }),
      'exists',
    );
  });

  it('filters tables by anchored schema and table regexes, never system schemas', () => {
    const filter = new TableFilter({ schemaInclude: ['app|public'], tableExclude: ['public\\.out.*'] });
    assert.equal(filter.includes('app', 'orders'), true);
    assert.equal(filter.includes('public', 'outbox'), false);
    assert.equal(filter.includes('public', 'courses'), true);
    assert.equal(filter.includes('apps', 'x'), false);
    assert.equal(new TableFilter({}).includes('pg_catalog', 'pg_class'), false);
    assert.equal(
      new TableFilter({ tableInclude: ['public.outbox'] }).includes('public', 'outbox_old'),
      false,
    );
  });
});
