/**
 * `down` stops a service's whole process tree and waits for it, and `up` recovers from a crashed instance's
 * leftovers. The case that needs it: a logical replication client that stops reading while rows are written
 * makes its walsender block, so PostgreSQL's fast shutdown never ends; a stop that then kills only the
 * postmaster leaves that walsender orphaned, still attached to the shared memory block, and the next start
 * fails ("pre-existing shared memory block … is still in use").
 * Runs its own PostgreSQL cluster (own data folder and port) so the project's shared one is never stopped.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { down, killServices, pauseServices, resumeServices, up } from '../src/index.ts';
import { binDir } from '../src/postgres.ts';
import { isAlive, readPid, waitFor } from '../src/process.ts';
import { cwdOf, type ProcStat, processTree } from '../src/process-tree.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'outflow-stop-tree-'));
// As root the cluster runs as the `postgres` user, which must be able to reach the data folder.
chmodSync(dir, 0o755);
const clusterDir = join(dir, 'postgres');
let port: number;
let env: NodeJS.ProcessEnv;
const clients: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every `postgres` process working in this test's cluster folder, found without the code under test. */
function clusterProcesses(): ProcStat[] {
  return processTree({
    belongs: (p) => p.comm === 'postgres' && (cwdOf(p.pid)?.startsWith(clusterDir) ?? false),
  });
}

async function sql(query: string): Promise<string> {
  const { stdout } = await run(
    join(binDir(), 'psql'),
    [
      '-X',
      '-q',
      '-t',
      '-A',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'outflow',
      '-d',
      'outflow',
      '-c',
      query,
    ],
    { env: { ...process.env, PGPASSWORD: 'outflow' }, timeout: 60_000 },
  );
  return stdout.trim();
}

/**
 * A logical replication client (`pg_recvlogical`, test_decoding) on slot `slot`, then frozen with SIGSTOP
 * while 30 MB of rows are written, so its walsender has far more to send than the socket buffers hold.
 * Resolves the walsender's pid once it waits for the socket to take more.
 */
async function stuckReplicationClient(slot: string): Promise<number> {
  await sql(`SELECT pg_create_logical_replication_slot('${slot}', 'test_decoding')`);
  const client = spawn(
    join(binDir(), 'pg_recvlogical'),
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'outflow',
      '-d',
      'outflow',
      '--slot',
      slot,
      '--start',
      '-f',
      '-',
    ],
    { env: { ...process.env, PGPASSWORD: 'outflow' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  clients.push(client);
  const walsender = async () =>
    Number(await sql(`SELECT active_pid FROM pg_replication_slots WHERE slot_name = '${slot}' AND active`));
  assert.ok(await waitFor(async () => (await walsender()) > 0, { timeoutMs: 30_000 }), 'client streaming');
  client.kill('SIGSTOP');
  await sql('CREATE TABLE IF NOT EXISTS filler (id serial PRIMARY KEY, body text)');
  await sql("INSERT INTO filler (body) SELECT repeat('x', 300) FROM generate_series(1, 100000)");
  const pid = await walsender();
  // Blocked on a full socket: the client's receive buffer and the server's send buffer are both full.
  const blocked = async () =>
    (await sql(`SELECT wait_event FROM pg_stat_activity WHERE pid = ${pid}`)) === 'WalSenderWriteData';
  assert.ok(await waitFor(blocked, { timeoutMs: 60_000 }), 'the walsender is blocked on its client');
  return pid;
}

before(async () => {
  port = await freePort();
  env = { ...process.env, OUTFLOW_DATA_DIR: dir, OUTFLOW_POSTGRES_PORT: String(port) };
  await up({ only: ['postgres'], env });
});

after(async () => {
  for (const client of clients) client.kill('SIGKILL');
  await down({ only: ['postgres'], env, graceMs: 2000 }).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

test('down stops the whole tree while a replication client has stopped reading, and up works again', {
  timeout: 240_000,
}, async () => {
  const walsender = await stuckReplicationClient('stuck_down');
  const postmaster = readPid(join(clusterDir, 'data', 'postmaster.pid'));
  assert.ok(clusterProcesses().length > 3, 'postmaster, background processes and the walsender run');

  const [result] = await down({ only: ['postgres'], env, graceMs: 3000 });
  assert.notEqual(result?.outcome, 'not-running');
  assert.ok((result?.processes ?? 0) > 3, `the stop saw the whole tree: ${JSON.stringify(result)}`);
  assert.deepEqual(clusterProcesses(), [], 'no process of the cluster is left');
  assert.equal(isAlive(walsender), false);
  assert.equal(postmaster !== undefined && isAlive(postmaster), false);

  await up({ only: ['postgres'], env });
  assert.equal(await sql('SELECT count(*) FROM filler'), '100000', 'the restarted cluster kept its data');
});

test('up ends the orphans of a postmaster that was killed alone, then starts', {
  timeout: 240_000,
}, async () => {
  const walsender = await stuckReplicationClient('stuck_orphan');
  const postmaster = readPid(join(clusterDir, 'data', 'postmaster.pid'));
  assert.ok(postmaster !== undefined);
  // A walsender notices its postmaster's death only when it next waits; one busy decoding (as in the
  // reported case) lives on. Freezing it makes that deterministic: it outlives the postmaster, attached to
  // the shared memory block. Then what a stop that knew only the main pid did: SIGKILL the postmaster alone.
  process.kill(walsender, 'SIGSTOP');
  process.kill(postmaster, 'SIGKILL');
  assert.ok(await waitFor(() => !isAlive(postmaster), { timeoutMs: 10_000 }));
  assert.ok(isAlive(walsender), 'the walsender outlives its postmaster (the fault is reproduced)');

  const started = await up({ only: ['postgres'], env });
  assert.deepEqual(started.started, ['postgres']);
  assert.equal(isAlive(walsender), false, 'the orphaned walsender was ended');
  assert.equal(await sql('SELECT count(*) FROM filler'), '200000');
});

test('kill, pause and resume act on every process of the service', { timeout: 120_000 }, async () => {
  const before = clusterProcesses();
  assert.ok(before.length > 3);
  const [paused] = await pauseServices({ only: ['postgres'], env });
  // PostgreSQL forks and reaps workers (autovacuum, parallel) at any time: the exact count can move between
  // the listing and the pause; every process stopped is what matters, checked next.
  assert.ok((paused?.processes ?? 0) > 3, `paused ${paused?.processes} processes`);
  assert.ok(
    await waitFor(() => clusterProcesses().every((p) => p.state === 'T'), { timeoutMs: 10_000 }),
    'every process is stopped',
  );
  await resumeServices({ only: ['postgres'], env });
  assert.ok(await waitFor(() => clusterProcesses().every((p) => p.state !== 'T'), { timeoutMs: 10_000 }));
  assert.equal(await sql('SELECT 1'), '1');

  const [killed] = await killServices({ only: ['postgres'], env });
  assert.equal(killed?.outcome, 'done');
  assert.deepEqual(clusterProcesses(), [], 'nothing of the cluster survives a kill');
  await up({ only: ['postgres'], env });
  assert.equal(await sql('SELECT 1'), '1', 'a killed cluster starts again (crash recovery)');
});
