import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from './errors.ts';

/** Full path of `program` on PATH or in the sbin folders (not on a non-root PATH), or undefined. */
export function which(
  program: string,
  extraDirs: readonly string[] = ['/usr/sbin', '/sbin'],
): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs].filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Outcome of {@link run}. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion (never through a shell) and collects its output; does not throw on exit code. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The first integer of a pid file, or undefined when the file is missing or malformed. */
export function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Records `pid` in `file`. */
export function writePid(file: string, pid: number): void {
  writeFileSync(file, `${pid}\n`);
}

/** Removes a pid file if present. */
export function removePid(file: string): void {
  rmSync(file, { force: true });
}

/** Whether `pid` is a running process (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The command line of `pid` (arguments joined by spaces), or undefined if it cannot be read. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/**
 * The pid recorded in `pidFile` if that process is alive and its command line contains every marker (so a
 * recycled pid of an unrelated process is never mistaken for ours); undefined otherwise.
 */
export function ownedPid(pidFile: string, markers: readonly string[]): number | undefined {
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) return undefined;
  const cmd = commandLine(pid);
  if (cmd === undefined || !markers.every((m) => cmd.includes(m))) return undefined;
  return pid;
}

/** A process started by {@link spawnDetached}; `exited` is set once it has ended. */
export interface DetachedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Starts `command` in its own process group with stdout and stderr appended to `logFile`, and lets this
 * process exit without waiting for it (the service keeps running after `up` returns).
 */
export function spawnDetached(
  command: string,
  args: readonly string[],
  options: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): DetachedProcess {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    const handle: DetachedProcess = { pid: child.pid, child, exited: undefined };
    child.on('exit', (code, signal) => {
      handle.exited = { code, signal };
    });
    child.on('error', () => {
      handle.exited ??= { code: null, signal: null };
    });
    child.unref();
    return handle;
  } finally {
    closeSync(fd);
  }
}

/** Whether something accepts TCP connections on `host:port` within `timeoutMs`. */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls `check` until it returns true. Resolves false when `timeoutMs` passes first; `giveUp` is asked
 * before each attempt and a message from it rejects at once with `INFRA_START_FAILED` (e.g. the process
 * being waited for died).
 */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; intervalMs?: number; giveUp?: () => string | undefined },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const reason = options.giveUp?.();
    if (reason !== undefined) throw new InfraError('INFRA_START_FAILED', reason);
    try {
      if (await check()) return true;
    } catch {
      // not ready yet
    }
    if (Date.now() >= deadline) return false;
    await sleep(options.intervalMs ?? 250);
  }
}

/** Last `lines` lines of a log file, for error messages; empty when unreadable. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Longest Unix socket path Linux accepts (`sun_path` is 108 bytes including the final NUL). */
const SOCKET_PATH_MAX = 107;

/** `preferred` when it fits in a Unix socket address, else `fallback` (a short path, e.g. under /tmp). */
export function socketPath(preferred: string, fallback: string): string {
  return Buffer.byteLength(preferred) <= SOCKET_PATH_MAX ? preferred : fallback;
}

/** Name of the user this process runs as. */
export function currentUser(): string {
  return userInfo().username;
}

/** Moves `file` to `<file>.1` (replacing an older one) once it has grown past `maxBytes`; called before a start. */
export function rotateLog(file: string, maxBytes = 50 * 1024 * 1024): void {
  try {
    if (statSync(file).size > maxBytes) renameSync(file, `${file}.1`);
  } catch {
    // no log yet
  }
}
