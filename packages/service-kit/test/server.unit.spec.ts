import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, closeOnce, prepareDatabase } from '../src/index.ts';

describe('closeOnce', () => {
  it('runs the close once and hands every caller the same promise', async () => {
    let runs = 0;
    const close = closeOnce(async () => {
      runs++;
    });
    const first = close();
    assert.equal(close(), first);
    await first;
    assert.equal(runs, 1);
  });
});

describe('prepareDatabase', () => {
  it('rejects a URL of another database as configuration, before connecting', async () => {
    await assert.rejects(prepareDatabase('redis://u:p@h/db'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        "DATABASE_URL must be a mysql://, mariadb://, postgres:// or postgresql:// URL, got 'redis://u:***@h/db'",
      ]);
      return true;
    });
  });
});
