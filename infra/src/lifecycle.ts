import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from './config.ts';
import { InfraError } from './errors.ts';
import { isAlive, ownedPid, portAnswers, readPid, stopProcess, waitFor } from './process.ts';
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
  /** `stopped` cleanly, `killed` after the grace period, or `not-running`. */
  readonly outcome: 'stopped' | 'killed' | 'not-running';
  readonly pid?: number;
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
async function withLock<T>(service: Service, fn: () => Promise<T>): Promise<T> {
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

/** Stops our instance of `service`, if it runs. Never signals a process whose command line is not ours. */
export function downService(service: Service): Promise<ServiceDownResult> {
  return withLock(service, () => downUnlocked(service));
}

async function downUnlocked(service: Service): Promise<ServiceDownResult> {
  const began = Date.now();
  const pid = ownedPid(service.pidFile, service.processMarkers);
  if (pid === undefined)
    return { service: service.name, outcome: 'not-running', elapsedMs: Date.now() - began };
  const outcome = await stopProcess(pid, { signal: service.stopSignal, timeoutMs: 30_000 });
  return { service: service.name, outcome, pid, elapsedMs: Date.now() - began };
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
