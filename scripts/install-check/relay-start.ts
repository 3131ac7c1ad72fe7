import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `env` without the `OUTFLOW_RELAY_*` variables: they override worker properties (the workspace's own
 * `OUTFLOW_RELAY_REST_PORT` would take the port the worker file gives).
 */
export function relayEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('OUTFLOW_RELAY_')));
}

/** What one start of the relay measured. */
export interface RelayStart {
  /** From spawn to the first `GET /` answered 200. */
  readonly startMs: number;
  /** Resident set size (`ps -o rss`) after `idleMs` of idling with no connector, in MiB. */
  readonly idleRssMiB: number;
  /** The body of `GET /`. */
  readonly root: { version: string; commit: string; kafka_cluster_id: string };
}

/**
 * Starts the relay with `command args`, a worker file in `dir` (file config and offset stores there, so no
 * topics are created) and `bootstrapServers`; waits until `GET /` answers, idles, reads its RSS, stops it
 * with SIGTERM and checks that it exits cleanly.
 */
export async function startRelay(options: {
  command: string;
  args: readonly string[];
  cwd: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  bootstrapServers: string;
  idleMs?: number;
}): Promise<RelayStart> {
  const port = await freePort();
  const worker = join(options.dir, `worker-${port}.properties`);
  writeFileSync(
    worker,
    [
      `bootstrap.servers=${options.bootstrapServers}`,
      'rest.host.name=127.0.0.1',
      `rest.port=${port}`,
      `config.storage.file.filename=${join(options.dir, `configs-${port}.json`)}`,
      `offset.storage.file.filename=${join(options.dir, `offsets-${port}.json`)}`,
    ].join('\n'),
  );
  const started = performance.now();
  const child = spawn(options.command, [...options.args, worker], {
    cwd: options.cwd,
    env: { ...relayEnv(options.env), OUTFLOW_RELAY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let measured: RelayStart | undefined;
  let failure: unknown;
  try {
    measured = await measure(
      started,
      child.pid!,
      port,
      options.idleMs ?? 3000,
      () => child.exitCode,
      () => output,
    );
  } catch (error) {
    failure = error;
  }
  child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout' as const)]);
  if (failure !== undefined) {
    child.kill('SIGKILL');
    throw failure;
  }
  if (code === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`relay did not stop within 30 s of SIGTERM:\n${output}`);
  }
  if (code !== 0) throw new Error(`relay exited with ${code} after SIGTERM:\n${output}`);
  return measured!;
}

/** Polls `GET /` until it answers (start time counted from `started`, the spawn), then idles and reads the process's RSS. */
async function measure(
  started: number,
  pid: number,
  port: number,
  idleMs: number,
  exitCode: () => number | null,
  output: () => string,
): Promise<RelayStart> {
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  let root: RelayStart['root'] | undefined;
  while (root === undefined) {
    if (exitCode() !== null) throw new Error(`relay exited with ${exitCode()} at start:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`relay did not answer GET / within 60 s:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) root = (await response.json()) as RelayStart['root'];
    } catch {
      await sleep(20);
    }
  }
  const startMs = performance.now() - started;
  await sleep(idleMs);
  const rssKb = Number(
    execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
      .toString()
      .trim(),
  );
  await checkConsole(`http://127.0.0.1:${port}`, output);
  return { startMs, idleRssMiB: rssKb / 1024, root };
}

/** The web console is in the package: `/console/` answers its page and every file the page names. */
async function checkConsole(base: string, output: () => string): Promise<void> {
  const page = await fetch(`${base}/console/`);
  const html = await page.text();
  if (!page.ok) throw new Error(`GET /console/ answered ${page.status}: ${html}\n${output()}`);
  const files = [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]!);
  if (files.length < 2) throw new Error(`GET /console/ names no script and stylesheet:\n${html}`);
  for (const file of files) {
    const response = await fetch(`${base}/console/${file}`);
    if (!response.ok) throw new Error(`GET /console/${file} answered ${response.status}`);
  }
}
