import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  isAlive,
  ownedPid,
  portAnswers,
  readPid,
  rotateLog,
  socketPath,
  spawnDetached,
  waitFor,
} from '../src/process.ts';
import { stopTree } from '../src/process-tree.ts';

// Local processes and files only; needs none of the project's services.
const dir = mkdtempSync(join(tmpdir(), 'outflow-infra-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a pid file proves ownership only with a live process whose command line matches', () => {
  const pidFile = join(dir, 'self.pid');
  writeFileSync(pidFile, `${process.pid}\n`);
  assert.equal(readPid(pidFile), process.pid);
  assert.equal(ownedPid(pidFile, [process.execPath]), process.pid);
  assert.equal(ownedPid(pidFile, ['mariadbd']), undefined, 'someone else’s process is never ours');
  writeFileSync(pidFile, 'garbage');
  assert.equal(ownedPid(pidFile, []), undefined);
  assert.equal(ownedPid(join(dir, 'missing.pid'), []), undefined);
});

test('a detached process logs to its file, survives, and stops on a signal', async () => {
  const logFile = join(dir, 'child.log');
  const proc = spawnDetached(
    process.execPath,
    ['-e', 'console.log("hello from child"); setInterval(() => {}, 1000)', 'outflow-test-marker'],
    { logFile },
  );
  assert.ok(isAlive(proc.pid));
  assert.ok(
    await waitFor(() => readFileSync(logFile, 'utf8').includes('hello from child'), { timeoutMs: 5000 }),
  );
  assert.equal(await stopTree({ root: proc.pid }, { signal: 'SIGTERM', graceMs: 5000 }), 'stopped');
  assert.ok(await waitFor(() => !isAlive(proc.pid), { timeoutMs: 5000 }));
});

test('a process ignoring SIGTERM is killed after the grace period', async () => {
  const proc = spawnDetached(
    process.execPath,
    ['-e', 'process.on("SIGTERM", () => {}); console.log("up"); setInterval(() => {}, 1000)'],
    { logFile: join(dir, 'stubborn.log') },
  );
  assert.ok(
    await waitFor(() => readFileSync(join(dir, 'stubborn.log'), 'utf8').includes('up'), { timeoutMs: 5000 }),
  );
  assert.equal(await stopTree({ root: proc.pid }, { signal: 'SIGTERM', graceMs: 300 }), 'killed');
});

test('waitFor gives up at once when told to, and times out otherwise', async () => {
  await assert.rejects(
    waitFor(() => false, { timeoutMs: 5000, giveUp: () => 'it died' }),
    (error: Error & { code?: string }) => error.code === 'INFRA_START_FAILED' && error.message === 'it died',
  );
  assert.equal(await waitFor(() => false, { timeoutMs: 50, intervalMs: 10 }), false);
});

test('portAnswers tells a listening port from a closed one', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  assert.equal(await portAnswers(port), true);
  await new Promise((resolve) => server.close(resolve));
  assert.equal(await portAnswers(port), false);
});

test('socket paths too long for a Unix address fall back', () => {
  assert.equal(socketPath('/tmp/a.sock', '/tmp/b.sock'), '/tmp/a.sock');
  assert.equal(socketPath(`/${'x'.repeat(120)}/a.sock`, '/tmp/b.sock'), '/tmp/b.sock');
});

test('a log past its size limit is moved aside before a start', () => {
  const log = join(dir, 'service.log');
  writeFileSync(log, 'x'.repeat(100));
  rotateLog(log, 1000);
  assert.equal(readFileSync(log, 'utf8').length, 100);
  rotateLog(log, 10);
  assert.equal(readFileSync(`${log}.1`, 'utf8').length, 100);
  assert.throws(() => readFileSync(log));
  rotateLog(join(dir, 'absent.log'), 10);
});

test('stopping a tree ends a descendant that left the group, even one that ignores SIGTERM', async () => {
  const log = join(dir, 'tree.log');
  // The child starts a grandchild in a group of its own that ignores SIGTERM and prints its pid.
  const grandchild = `process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)`;
  const proc = spawnDetached(
    process.execPath,
    [
      '-e',
      `const c = require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}], { detached: true, stdio: "ignore" }); console.log("grandchild " + c.pid); setInterval(() => {}, 1000)`,
    ],
    { logFile: log },
  );
  assert.ok(await waitFor(() => /grandchild \d+/.test(readFileSync(log, 'utf8')), { timeoutMs: 10_000 }));
  const grandchildPid = Number(/grandchild (\d+)/.exec(readFileSync(log, 'utf8'))?.[1]);
  assert.ok(isAlive(grandchildPid));
  assert.equal(await stopTree({ root: proc.pid }, { signal: 'SIGTERM', graceMs: 500 }), 'killed');
  assert.equal(isAlive(grandchildPid), false, 'the grandchild in its own group was found through its parent');
});
