import type { ServiceName } from './config.ts';

/** Reports progress of a long first-run step (downloads, initialisation) to the user. */
export type Progress = (message: string) => void;

/**
 * One managed service. `lifecycle.ts` drives it: it checks liveness through `pidFile` + `processMarkers`,
 * refuses a port taken by someone else, calls `start` only when the service is not running, and stops its
 * whole process tree (see `process-tree.ts`). `start` initialises on first use, launches the process detached and resolves once it answers.
 */
export interface Service {
  readonly name: ServiceName;
  /** The port clients use. */
  readonly port: number;
  /** Every port the service listens on, with the variable that sets it (checked free before a start). */
  readonly listens: readonly { readonly port: number; readonly variable: string }[];
  /** Folder with everything the service writes. */
  readonly dataDir: string;
  readonly logFile: string;
  /** File holding the pid of the service's main process. */
  readonly pidFile: string;
  /** Substrings of the main process's command line that prove it is ours (checked before any signal). */
  readonly processMarkers: readonly string[];
  /**
   * Executable name (`/proc/<pid>/comm`) of the service's processes: leftovers of a crashed instance are
   * ended only when every one of them carries it.
   */
  readonly program: string;
  /** Signal asking for a clean, prompt shutdown. */
  readonly stopSignal: NodeJS.Signals;
  /** Signal for an immediate shutdown, sent when the clean one overruns its grace period (before SIGKILL). */
  readonly immediateSignal?: NodeJS.Signals;
  /** Throws `INFRA_PREREQUISITE_MISSING` naming the package to install when a program is missing. */
  checkPrerequisites(): Promise<void>;
  /** Initialises if needed, starts the service and waits until it is ready; resolves the main pid. */
  start(progress: Progress): Promise<number>;
  /** Whether the running service answers requests. */
  isReady(): Promise<boolean>;
}
