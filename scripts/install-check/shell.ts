import { spawn } from 'node:child_process';

/**
 * The environment a user's shell would give a command: the workspace's `outflow-source` condition removed, so
 * what runs in the scratch project is the installed `dist/` code and nothing from the repository.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  const options = (env.NODE_OPTIONS ?? '').replace(/--conditions=outflow-source/g, '').trim();
  if (options === '') delete env.NODE_OPTIONS;
  else env.NODE_OPTIONS = options;
  return env;
}

/** Runs a command to its end; resolves with its stdout, rejects with its output when it fails. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else {
        const what = `${command} ${args.join(' ')} (in ${options.cwd})`;
        reject(new Error(`${what} ended with ${code ?? signal}\n${stdout}\n${stderr}`.trimEnd()));
      }
    });
  });
}

/** A long-running child process whose output is kept for failure messages. */
export interface LoggedProcess {
  output(): string;
  /** SIGTERM, then SIGKILL after 20 s; resolves once it exited. */
  stop(): Promise<void>;
}

/** Starts a long-running command (a relay, a service), keeping the last 100 kB of its output. */
export function spawnLogged(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): LoggedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (c: Buffer) => {
    output = (output + c.toString('utf8')).slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
