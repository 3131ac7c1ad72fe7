import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitForRunning } from './wait-for-running.ts';

const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
const compiledCli = new URL('../../dist/bin/outflow-relay.js', import.meta.url).pathname;

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

/** The relay run as its own process through the CLI, as a user runs it, so a test can SIGKILL it. */
export interface RelayProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  /** Waits until the connector's task reports RUNNING. */
  waitForRunning(connector: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL: no chance to flush anything. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGSTOP (frozen: sockets stay open, nothing runs) or SIGCONT. */
  freeze(): void;
  thaw(): void;
  /** Peak resident set size in kB (VmHWM), read while the process lives. */
  peakRssKb(): number | undefined;
}

/**
 * Writes `worker.properties` and `connector.json` into `dir` and starts `outflow-relay` on them.
 * Resolves once the REST API answers.
 */
export async function startRelayProcess(options: {
  dir: string;
  restPort: number;
  worker: Record<string, string>;
  connector: { name: string; config: Record<string, string> };
  /** Further connectors, each in a file of its own on the command line. */
  moreConnectors?: readonly { name: string; config: Record<string, string> }[];
  /**
   * Runs the bundled command `dist/bin/outflow-relay.js` (built beforehand by `npm run build`), as an installed
   * relay runs, instead of the TypeScript sources through type stripping.
   */
  compiled?: boolean;
  /** Node.js flags for the relay process (e.g. V8 heap settings being compared). */
  nodeFlags?: readonly string[];
}): Promise<RelayProcess> {
  const workerFile = join(options.dir, 'worker.properties');
  const connectorFile = join(options.dir, 'connector.json');
  const worker = { ...options.worker, 'rest.port': String(options.restPort), 'rest.host.name': '127.0.0.1' };
  writeFileSync(
    workerFile,
    Object.entries(worker)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  writeFileSync(connectorFile, JSON.stringify(options.connector));
  const moreFiles = (options.moreConnectors ?? []).map((connector, i) => {
    const file = join(options.dir, `connector-${i + 2}.json`);
    writeFileSync(file, JSON.stringify(connector));
    return file;
  });
  const compiled = options.compiled === true;
  const nodeOptions = compiled
    ? (process.env.NODE_OPTIONS ?? '').replace('--conditions=outflow-source', '').trim()
    : process.env.NODE_OPTIONS;
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), compiled ? compiledCli : cli, workerFile, connectorFile, ...moreFiles],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The worker file says everything: an OUTFLOW_RELAY_* variable of the test's shell (e.g. the developer's
      // OUTFLOW_RELAY_REST_PORT) would override it.
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OUTFLOW_RELAY_'))),
        NODE_OPTIONS: nodeOptions,
        OUTFLOW_RELAY_LOG_LEVEL: process.env.OUTFLOW_RELAY_LOG_LEVEL ?? 'warn',
      },
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.restPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode} at start:\n${output}`);
    try {
      if ((await fetch(`${url}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`relay REST API did not answer on ${url} within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let peak: number | undefined;
  const readPeak = (): number | undefined => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      if (match) peak = Math.max(peak ?? 0, Number(match[1]));
    } catch {
      // process gone or not Linux
    }
    return peak;
  };
  return {
    url,
    pid: child.pid!,
    output: () => output,
    waitForRunning: (connector, timeoutMs) =>
      waitForRunning(url, connector, { timeoutMs, context: () => output }),
    async kill() {
      readPeak();
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      readPeak();
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      return exited;
    },
    freeze() {
      child.kill('SIGSTOP');
    },
    thaw() {
      child.kill('SIGCONT');
    },
    peakRssKb: readPeak,
  };
}
