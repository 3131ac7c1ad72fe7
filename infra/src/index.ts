/**
 * `@outflow/infra`: starts, stops and reports the project's local MariaDB, PostgreSQL and Kafka (the same
 * as `npm run infra -- up|down|status`). Services are identified by the pid files in the data folder and
 * their command lines, so `down` never touches a process it did not start.
 */
import { type InfraConfig, loadConfig, SERVICES, type ServiceName } from './config.ts';
import { InfraError } from './errors.ts';
import { type FaultResult, killService, pauseService, resumeService } from './faults.ts';
import { kafkaService } from './kafka.ts';
import {
  DEFAULT_GRACE_MS,
  downService,
  type ServiceDownResult,
  type ServiceStatus,
  type ServiceUpResult,
  serviceStatus,
  upService,
} from './lifecycle.ts';
import { mariadbService } from './mariadb.ts';
import { postgresService } from './postgres.ts';
import type { Progress, Service } from './service.ts';

export { ENV_VARS, type InfraConfig, loadConfig, SERVICES, type ServiceName } from './config.ts';
export { InfraError, type InfraErrorCode } from './errors.ts';
export type { FaultResult } from './faults.ts';
export {
  KAFKA_SASL_PASSWORD,
  KAFKA_SASL_USER,
  localCaFile,
  localServerCertificate,
  saslClientProperties,
} from './kafka-sasl.ts';
export type { ServiceDownResult, ServiceStatus, ServiceUpResult } from './lifecycle.ts';
export type { Progress } from './service.ts';
export {
  type CertificateAuthority,
  ensureCertificateAuthority,
  type IssuedCertificate,
  issueCertificate,
} from './tls.ts';

/** Options shared by {@link up}, {@link down} and {@link status}. */
export interface InfraOptions {
  /** Services to act on (default: all of {@link SERVICES}). */
  only?: readonly ServiceName[];
  /** Environment to read the `OUTFLOW_*` settings from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** Options of {@link up}. */
export interface UpOptions extends InfraOptions {
  /** Receives one-line notices about slow first-run steps (default: none). */
  progress?: Progress;
}

/** Outcome of {@link up}. */
export interface UpResult {
  readonly services: readonly ServiceUpResult[];
  /** Services this call started (not those already running): pass them to `down({ only })` to undo it. */
  readonly started: readonly ServiceName[];
}

function services(config: InfraConfig, only: readonly ServiceName[] | undefined): Service[] {
  const factories: Record<ServiceName, (c: InfraConfig) => Service> = {
    mariadb: mariadbService,
    postgres: postgresService,
    kafka: kafkaService,
  };
  return SERVICES.filter((name) => only === undefined || only.includes(name)).map((name) =>
    factories[name](config),
  );
}

/**
 * Starts the services (in parallel) that are not already running and resolves once all answer. A service
 * whose recorded process is alive is left alone. If any fails, rejects with `INFRA_UP_FAILED` whose
 * `details.started` lists what this call did start (still running) and `details.failures` what failed.
 */
export async function up(options: UpOptions = {}): Promise<UpResult> {
  const config = loadConfig(options.env);
  const progress = options.progress ?? (() => {});
  const selected = services(config, options.only);
  const settled = await Promise.allSettled(selected.map((s) => upService(s, progress)));
  const results: ServiceUpResult[] = [];
  const failures: { service: ServiceName; error: unknown }[] = [];
  settled.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') results.push(outcome.value);
    else failures.push({ service: selected[i]!.name, error: outcome.reason });
  });
  const started = results.filter((r) => r.outcome === 'started').map((r) => r.service);
  if (failures.length > 0) {
    const message = failures
      .map((f) => (f.error instanceof Error ? f.error.message : String(f.error)))
      .join('\n');
    throw new InfraError('INFRA_UP_FAILED', message, {
      cause: failures[0]?.error,
      details: {
        started,
        services: results,
        failures: failures.map((f) => ({
          service: f.service,
          code: f.error instanceof InfraError ? f.error.code : undefined,
          message: f.error instanceof Error ? f.error.message : String(f.error),
        })),
      },
    });
  }
  return { services: results, started };
}

/** Options of {@link down}. */
export interface DownOptions extends InfraOptions {
  /** Time each service gets to stop on its own before it is made to (default 20 s). */
  graceMs?: number;
}

/**
 * Stops the services (in parallel) that run from this data folder, each with its whole process tree, and
 * resolves once none of their processes is left; others are reported `not-running`.
 */
export async function down(options: DownOptions = {}): Promise<ServiceDownResult[]> {
  const config = loadConfig(options.env);
  return Promise.all(
    services(config, options.only).map((s) => downService(s, options.graceMs ?? DEFAULT_GRACE_MS)),
  );
}

/** Stops then starts the services cleanly (see {@link down} and {@link up}). */
export async function restartServices(options: UpOptions & DownOptions = {}): Promise<UpResult> {
  await down(options);
  return up(options);
}

/**
 * SIGKILLs each service's whole process tree (a crash) and resolves once all its processes are gone; the
 * next {@link up} starts it again.
 */
export async function killServices(options: InfraOptions = {}): Promise<FaultResult[]> {
  return Promise.all(services(loadConfig(options.env), options.only).map(killService));
}

/** SIGSTOPs each service's whole process tree: connections stay open, nothing answers. */
export async function pauseServices(options: InfraOptions = {}): Promise<FaultResult[]> {
  return Promise.all(services(loadConfig(options.env), options.only).map(pauseService));
}

/** SIGCONTs each service's whole process tree (undoes {@link pauseServices}). */
export async function resumeServices(options: InfraOptions = {}): Promise<FaultResult[]> {
  return Promise.all(services(loadConfig(options.env), options.only).map(resumeService));
}

/** Reports, for each service, whether our instance runs and answers, with its pid, port and files. */
export async function status(options: InfraOptions = {}): Promise<ServiceStatus[]> {
  const config = loadConfig(options.env);
  return Promise.all(services(config, options.only).map(serviceStatus));
}
