import type { ServiceName } from './config.ts';
import { InfraError } from './errors.ts';
import { ownedPid, portAnswers, stopProcess, waitFor } from './process.ts';
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

/** Starts `service` unless our instance already runs; an instance still starting is waited for. */
export async function upService(service: Service, progress: Progress): Promise<ServiceUpResult> {
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
  if (await portAnswers(service.port)) {
    throw new InfraError(
      'INFRA_PORT_IN_USE',
      `${service.name}: port ${service.port} is already used by another process; choose another with OUTFLOW_${service.name.toUpperCase()}_PORT`,
      { details: { service: service.name, port: service.port } },
    );
  }
  const pid = await service.start(progress);
  return result('started', pid);
}

/** Stops our instance of `service`, if it runs. Never signals a process whose command line is not ours. */
export async function downService(service: Service): Promise<ServiceDownResult> {
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
