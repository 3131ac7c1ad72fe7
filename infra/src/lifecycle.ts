import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from './config.ts';
import { InfraError } from './errors.ts';
import { isAlive, ownedPid, portAnswers, readPid, removePid, waitFor } from './process.ts';
import { cwdOf, killTree, type ProcStat, processTree, stopTree, type TreeSpec } from './process-tree.ts';
import type { Progress, Service } from './service.ts';

/** What `up` did for one service. */
export interface ServiceUpResult {
  readonly service: ServiceName;
  /** `started` by this call, or `already-running` (left alone). */
  readonly outcome: 'started' | 'already-running';
  readonly pid: number;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** Time this call spent on the service, in milliseconds. */
  readonly elapsedMs: number;
}

/** What `down` did for one service. */
export interface ServiceDownResult {
  readonly service: ServiceName;
  /**
   * `stopped` cleanly, `killed` after the grace period (or leftovers of a crashed instance were killed), or
   * `not-running`.
   */
  readonly outcome: 'stopped' | 'killed' | 'not-running';
  readonly pid?: number;
  /** How many processes the service's tree had when the stop began (its main process included). */
  readonly processes?: number;
  readonly elapsedMs: number;
}

/** State of one service. */
export interface ServiceStatus {
  readonly service: ServiceName;
  /** Whether our process (checked by pid file and command line) is alive. */
  readonly running: boolean;
  /** Whether it answers on its port. */
  readonly ready: boolean;
  readonly pid?: number;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
}

const LOCK_TIMEOUT_MS = 180_000;

/**
 * Runs `fn` holding `<service data dir>.lock`, so that two `up`/`down` calls (say, two test runs) never start
 * or stop the same service at once; the second waits, then finds the service running. A lock whose holder
 * died is taken over.
 */
export async function withLock<T>(service: Service, fn: () => Promise<T>): Promise<T> {
  const file = `${service.dataDir}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readPid(file);
    // An unreadable pid is a lock being written right now, unless the file is old.
    const stale = holder === undefined ? ageMs(file) > 10_000 : !isAlive(holder);
    if (stale) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new InfraError(
        'INFRA_START_TIMEOUT',
        `${service.name}: another infra command (pid ${holder}) holds ${file}`,
        {
          details: { service: service.name, lockFile: file },
          retriable: true,
        },
      );
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Starts `service` unless our instance already runs; an instance still starting is waited for. */
export function upService(service: Service, progress: Progress): Promise<ServiceUpResult> {
  return withLock(service, () => upUnlocked(service, progress));
}

async function upUnlocked(service: Service, progress: Progress): Promise<ServiceUpResult> {
  const began = Date.now();
  const result = (outcome: ServiceUpResult['outcome'], pid: number): ServiceUpResult => ({
    service: service.name,
    outcome,
    pid,
    port: service.port,
    dataDir: service.dataDir,
    logFile: service.logFile,
    elapsedMs: Date.now() - began,
  });
  const running = ownedPid(service.pidFile, service.processMarkers);
  if (running !== undefined) {
    const ready = await waitFor(() => service.isReady(), { timeoutMs: 60_000, intervalMs: 250 });
    if (!ready) {
      throw new InfraError(
        'INFRA_START_TIMEOUT',
        `${service.name} (pid ${running}) runs but does not answer on port ${service.port}; see ${service.logFile}`,
        { details: { service: service.name, logFile: service.logFile }, retriable: true },
      );
    }
    return result('already-running', running);
  }
  await service.checkPrerequisites();
  const left = leftovers(service);
  if (left !== undefined) {
    // A crashed instance's children still hold its resources (PostgreSQL: the shared memory block, which
    // makes a new postmaster refuse to start); they are ours by group and program, so end them first.
    progress(
      `${service.name}: ending ${left.length} leftover process(es) of a crashed instance: ${left.map((p) => p.pid).join(', ')}`,
    );
    await killTree(treeOf(service));
  }
  await clearStalePid(service);
  for (const { port, variable } of service.listens) {
    if (await portAnswers(port)) {
      throw new InfraError(
        'INFRA_PORT_IN_USE',
        `${service.name}: port ${port} is already used by another process; choose another with ${variable}`,
        { details: { service: service.name, port, variable } },
      );
    }
  }
  const pid = await service.start(progress);
  return result('started', pid);
}

/** Default time `down` gives a service to stop on its polite signal before it is made to stop. */
export const DEFAULT_GRACE_MS = 20_000;

/**
 * Stops our instance of `service`, if it runs, with its whole process tree, and resolves once every process
 * of it is gone: the service's stop signal, `graceMs` to finish, its immediate-stop signal if it has one, then
 * SIGKILL for whatever is left. Leftovers of a crashed instance are killed too. Never signals a process whose
 * command line (main process) or program and process group (leftovers) are not ours.
 */
export function downService(service: Service, graceMs = DEFAULT_GRACE_MS): Promise<ServiceDownResult> {
  return withLock(service, () => downUnlocked(service, graceMs));
}

async function downUnlocked(service: Service, graceMs: number): Promise<ServiceDownResult> {
  const began = Date.now();
  const pid = ownedPid(service.pidFile, service.processMarkers);
  if (pid === undefined) {
    const left = leftovers(service);
    if (left === undefined) {
      return { service: service.name, outcome: 'not-running', elapsedMs: Date.now() - began };
    }
    await killTree(treeOf(service));
    return {
      service: service.name,
      outcome: 'killed',
      pid: left[0]?.pid,
      processes: left.length,
      elapsedMs: Date.now() - began,
    };
  }
  const processes = processTree(treeOf(service, pid)).length;
  const outcome = await stopTree(
    { ...treeOf(service), root: pid },
    {
      signal: service.stopSignal,
      graceMs,
      ...(service.immediateSignal === undefined
        ? {}
        : { escalate: service.immediateSignal, escalateMs: 10_000 }),
    },
  );
  return { service: service.name, outcome, pid, processes, elapsedMs: Date.now() - began };
}

/**
 * The processes of `service`: the tree under its main process `root` (when running) and every process that
 * runs the service's program from inside its data folder (the working directory each of them inherits), so
 * children orphaned by a crash of the main process are included.
 */
export function treeOf(service: Service, root?: number): TreeSpec {
  const inside = (dir: string | undefined) =>
    dir !== undefined && (dir === service.dataDir || dir.startsWith(`${service.dataDir}/`));
  return {
    ...(root === undefined ? {} : { root }),
    belongs: (p) => p.comm === service.program && inside(cwdOf(p.pid)),
  };
}

/**
 * Waits for the recorded main process of a crashed instance to be reaped, and removes its pid file if it
 * is not: a zombie still answers `kill(pid, 0)`, and PostgreSQL would take it for a running postmaster and
 * refuse to start ("lock file postmaster.pid already exists").
 */
async function clearStalePid(service: Service): Promise<void> {
  const pid = readPid(service.pidFile);
  if (pid === undefined || isAlive(pid)) return;
  const exists = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  if (!(await waitFor(() => !exists(), { timeoutMs: 10_000, intervalMs: 100 }))) removePid(service.pidFile);
}

/**
 * Processes left by a crashed instance of `service` (whose main process is gone, e.g. an orphaned
 * PostgreSQL walsender), or undefined when there are none or the service runs.
 */
export function leftovers(service: Service): ProcStat[] | undefined {
  if (ownedPid(service.pidFile, service.processMarkers) !== undefined) return undefined;
  const processes = processTree(treeOf(service));
  return processes.length === 0 ? undefined : processes;
}

/** Reports whether our instance of `service` runs and answers. */
export async function serviceStatus(service: Service): Promise<ServiceStatus> {
  const pid = ownedPid(service.pidFile, service.processMarkers);
  const ready = pid !== undefined && (await service.isReady().catch(() => false));
  return {
    service: service.name,
    running: pid !== undefined,
    ready,
    ...(pid === undefined ? {} : { pid }),
    port: service.port,
    dataDir: service.dataDir,
    logFile: service.logFile,
  };
}
