/** `node src/server.ts` as a process: configuration errors, start-up, a request, graceful shutdown. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closedPort, createMariaDbDatabase } from '@outflow/testing';

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));

function run(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [server], { env: { ...process.env, ...env }, stdio: 'pipe' });
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  return { child, output: () => output };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('server.ts', () => {
  it('refuses bad configuration naming the variable, without printing the password', async () => {
    const { child, output } = run({ PORT: 'abc', DATABASE_URL: 'redis://u:hunter2@h/db' });
    assert.equal(await exitCode(child), 2);
    assert.match(output(), /PORT must be an integer 1-65535, got 'abc'/);
    assert.match(
      output(),
      /DATABASE_URL must be a mysql:\/\/, mariadb:\/\/, postgres:\/\/ or postgresql:\/\/ URL/,
    );
    assert.doesNotMatch(output(), /hunter2/);
  });

  it('starts, prints the URL and a curl to try, serves, and exits 0 on SIGTERM', async () => {
    const testDb = await createMariaDbDatabase('course_e2e');
    const port = await closedPort();
    const { child, output } = run({ DATABASE_URL: testDb.url, PORT: String(port), LOG_LEVEL: 'warn' });
    try {
      const deadline = Date.now() + 15_000;
      // The curl hint is printed after the listening line and may arrive in a later chunk.
      while (!/listening on[\s\S]*try: /.test(output())) {
        assert.ok(Date.now() < deadline && child.exitCode === null, `no start-up:\n${output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(
        output(),
        new RegExp(`course service listening on http://127\\.0\\.0\\.1:${port} \\(started in \\d+ ms\\)`),
      );
      assert.match(
        output(),
        /try: +curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/courses -H 'content-type: application\/json'/,
      );
      assert.doesNotMatch(output(), /outflow:outflow/);

      const res = await fetch(`http://127.0.0.1:${port}/courses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'e2e', description: '', teacherId: crypto.randomUUID(), thumbnail: '' }),
      });
      assert.equal(res.status, 201);

      child.kill('SIGTERM');
      assert.equal(await exitCode(child), 0, output());
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await testDb.drop();
    }
  });

  it('exits 1 with a clear message when the database is unreachable', async () => {
    const port = await closedPort();
    const { child, output } = run({
      DATABASE_URL: `mysql://outflow:hunter2@127.0.0.1:${port}/course`,
      LOG_LEVEL: 'silent',
    });
    assert.equal(await exitCode(child), 1);
    assert.match(
      output(),
      /cannot reach or create the database at mysql:\/\/outflow:\*\*\*@127\.0\.0\.1:\d+\/course: ECONNREFUSED/,
    );
    assert.doesNotMatch(output(), /hunter2/);
  });
});
