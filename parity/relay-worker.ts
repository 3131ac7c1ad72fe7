/** The Outflow relay for the parity run: its CLI as a user runs it, with several connector files. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cli = new URL('../apps/relay/src/cli.ts', import.meta.url).pathname;

/** A running relay. */
export interface RelayWorker {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the relay with `worker` properties and `connectors` (flat maps with `name`); resolves when it answers. */
export async function startRelay(options: {
  dir: string;
  restPort: number;
  worker: Record<string, string>;
  connectors: readonly Record<string, string>[];
}): Promise<RelayWorker> {
  mkdirSync(options.dir, { recursive: true });
  const workerFile = join(options.dir, 'worker.properties');
  const worker = { ...options.worker, 'rest.port': String(options.restPort), 'rest.host.name': '127.0.0.1' };
  writeFileSync(
    workerFile,
    Object.entries(worker)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  const files = options.connectors.map((c) => {
    const file = join(options.dir, `${c.name}.json`);
    const { name, ...config } = c;
    writeFileSync(file, JSON.stringify({ name, config }));
    return file;
  });
  const child: ChildProcess = spawn(process.execPath, [cli, workerFile, ...files], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OUTFLOW_RELAY_LOG_LEVEL: process.env.OUTFLOW_RELAY_LOG_LEVEL ?? 'warn' },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.restPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`relay did not answer on ${url} within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
