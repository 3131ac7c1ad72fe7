/**
 * Fault injection for tests and operators: kill, freeze and thaw a running service's whole process tree
 * (found from its pid file, see `process-tree.ts`), as a crash, a hung host or a long GC pause would.
 * Restarting cleanly is `down` then `up` (see `restartServices` in `index.ts`).
 */
import type { ServiceName } from './config.ts';
import { treeOf, withLock } from './lifecycle.ts';
import { ownedPid } from './process.ts';
import { killTree, processTree, signalAll } from './process-tree.ts';
import type { Service } from './service.ts';

/** What one fault did to one service. */
export interface FaultResult {
  readonly service: ServiceName;
  /** `done`, or `not-running` when there was nothing to act on. */
  readonly outcome: 'done' | 'not-running';
  /** The service's main pid. */
  readonly pid?: number;
  /** Processes of its tree that were signalled. */
  readonly processes: number;
}

/** SIGKILLs every process of the service's tree and resolves once all are gone (a crash: no clean-up runs). */
export function killService(service: Service): Promise<FaultResult> {
  return withLock(service, async () => {
    const pid = ownedPid(service.pidFile, service.processMarkers);
    if (pid === undefined) return { service: service.name, outcome: 'not-running', processes: 0 };
    const processes = processTree(treeOf(service, pid)).length;
    await killTree(treeOf(service, pid));
    return { service: service.name, outcome: 'done', pid, processes };
  });
}

/** SIGSTOPs every process of the service's tree: its connections stay open but nothing answers. */
export function pauseService(service: Service): Promise<FaultResult> {
  return signalService(service, 'SIGSTOP');
}

/** SIGCONTs every process of the service's tree (undoes {@link pauseService}). */
export function resumeService(service: Service): Promise<FaultResult> {
  return signalService(service, 'SIGCONT');
}

async function signalService(service: Service, signal: 'SIGSTOP' | 'SIGCONT'): Promise<FaultResult> {
  const pid = ownedPid(service.pidFile, service.processMarkers);
  if (pid === undefined) return { service: service.name, outcome: 'not-running', processes: 0 };
  const processes = signalAll(
    processTree(treeOf(service, pid)).map((p) => p.pid),
    signal,
  );
  return { service: service.name, outcome: 'done', pid, processes };
}
