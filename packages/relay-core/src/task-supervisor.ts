import { setTimeout as sleep } from 'node:timers/promises';
import { RelayError } from './errors.ts';
import type { Logger } from './logger.ts';

/** What a supervised task reports: RUNNING (possibly while retrying a `failure`) or FAILED. */
export interface SupervisedStatus {
  readonly state: 'RUNNING' | 'FAILED';
  /** The failure being retried (RUNNING) or that stopped the task (FAILED); undefined when healthy. */
  readonly failure?: unknown;
}

/** What the supervisor is given. */
export interface SupervisorOptions {
  /** Aborting stops the task and ends the supervision. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Exponential backoff between attempts after a retriable failure. */
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /**
   * Runs the task once: resolves on a clean stop (after `signal` aborted), rejects with its failure. Calls
   * `onStarted` once the task holds its position (it then counts as running again).
   */
  readonly run: (signal: AbortSignal, onStarted: () => void) => Promise<void>;
  readonly onStatus: (status: SupervisedStatus) => void;
  /** Every failure, retried or not (metrics count them by kind). */
  readonly onError?: (error: unknown) => void;
}

/**
 * The one reconnect policy of every source task (Kafka Connect reports a retrying task as RUNNING): a
 * retriable failure (a database or Kafka connection lost or refused) restarts the task from its stored
 * offsets after an exponential backoff, while the status carries the failure being retried; the outage is
 * logged once as a warning when it starts (then each attempt at debug level, every tenth as a warning) and
 * once as an info line with its duration when the task runs again. Any other failure leaves the task FAILED.
 * Resolves when the task stopped or failed.
 */
export async function superviseSourceTask(options: SupervisorOptions): Promise<void> {
  const { signal, logger, backoff } = options;
  let delay = backoff.initialMs;
  let outage: { since: number; attempts: number; first: string } | null = null;
  const onStarted = (): void => {
    delay = backoff.initialMs;
    if (outage !== null) {
      logger.info(
        { downMs: Date.now() - outage.since, attempts: outage.attempts, cause: outage.first },
        `the task runs again after ${formatDuration(Date.now() - outage.since)} of retries`,
      );
      outage = null;
    }
    options.onStatus({ state: 'RUNNING' });
  };
  while (!signal.aborted) {
    try {
      await options.run(signal, onStarted);
      return;
    } catch (error) {
      if (signal.aborted) {
        logger.warn({ err: brief(error) }, 'the task failed while stopping');
        return;
      }
      options.onError?.(error);
      if (!isRetriable(error)) {
        options.onStatus({ state: 'FAILED', failure: error });
        logger.error({ err: error }, 'the task failed; restart it once the cause is fixed');
        return;
      }
      options.onStatus({ state: 'RUNNING', failure: error });
      if (outage === null) {
        outage = { since: Date.now(), attempts: 0, first: describe(error) };
        logger.warn(
          { err: brief(error), retryInMs: delay },
          `${describe(error)}; the task retries with backoff from its stored offsets`,
        );
      } else if (outage.attempts % 10 === 0) {
        logger.warn(
          {
            err: brief(error),
            retryInMs: delay,
            attempts: outage.attempts,
            downMs: Date.now() - outage.since,
          },
          `still retrying after ${formatDuration(Date.now() - outage.since)}: ${describe(error)}`,
        );
      } else {
        logger.debug({ err: brief(error), retryInMs: delay, attempts: outage.attempts }, 'retrying');
      }
      outage.attempts++;
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      delay = Math.min(delay * 2, backoff.maxMs);
    }
  }
}

function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

function describe(error: unknown): string {
  if (error instanceof RelayError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The failure without its stack: a retried outage is an expected condition, not a crash. */
function brief(error: unknown): Record<string, unknown> {
  const e = error instanceof Error ? error : new Error(String(error));
  return { type: e.name, message: e.message, code: (e as { code?: unknown }).code };
}

/** `850 ms`, `12.3 s`: how the relay's log lines state an outage's length. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
