/** Exponential backoff bounds, in milliseconds. */
export interface Backoff {
  /** Delay before the first retry. */
  readonly minMs: number;
  /** Longest delay between two attempts. */
  readonly maxMs: number;
}

/**
 * The delay before attempt `attempt + 1` after `attempt` failed (attempt counts from 1): `minMs`, doubling
 * each time, capped at `maxMs`. Deterministic on purpose: the spread comes from partitions failing at
 * different times, and tests can predict it.
 */
export function backoffDelay(attempt: number, backoff: Backoff): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(backoff.maxMs, backoff.minMs * 2 ** exponent);
}

/** Resolves after `ms`, or at once when `signal` aborts (without rejecting). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
