import { RelayError } from '../errors.ts';
import type { SnapshotMode } from './config-keys.ts';

/** What a source knows about its stored position when it starts. */
export interface StartFacts {
  readonly mode: SnapshotMode;
  /** `none`: nothing stored; `snapshot-incomplete`: a snapshot was under way; `complete`: a streaming position. */
  readonly stored: 'none' | 'snapshot-incomplete' | 'complete';
  /** Whether the server still has the stored streaming position (only asked when `stored` is `complete`). */
  readonly positionAvailable: boolean;
}

/**
 * What a source does on start (Debezium's snapshotter):
 * - `snapshot`: read the captured tables, then stream from the snapshot's boundary if `stream`; `gap` when a
 *   lost position forced it (the changes between the stored position and the snapshot were never read).
 * - `stream`: from the stored position, or from the server's current one (`no_data` on a first start).
 * - `idle`: `initial_only` after its snapshot completed: nothing more to do.
 * - `lost`: the stored position is gone and the mode does not allow moving past it: fail the task.
 */
export type StartPlan =
  | { readonly kind: 'snapshot'; readonly stream: boolean; readonly gap: boolean }
  | { readonly kind: 'stream'; readonly from: 'stored' | 'current' }
  | { readonly kind: 'idle' }
  | { readonly kind: 'lost' };

/** Decides the start from `snapshot.mode` and the stored position, the same way for every database. */
export function planStart(facts: StartFacts): StartPlan {
  const { mode, stored } = facts;
  if (mode === 'always') return { kind: 'snapshot', stream: true, gap: false };
  if (stored !== 'complete') {
    if (mode === 'no_data') return { kind: 'stream', from: 'current' };
    return { kind: 'snapshot', stream: mode !== 'initial_only', gap: false };
  }
  if (mode === 'initial_only') return { kind: 'idle' };
  if (facts.positionAvailable) return { kind: 'stream', from: 'stored' };
  if (mode === 'when_needed') return { kind: 'snapshot', stream: true, gap: true };
  return { kind: 'lost' };
}

/** What was lost, for the failure's message and details. */
export interface LostPosition {
  /** The connector's name, for the offsets endpoint in the advice. */
  readonly connector: string;
  /** `binlog position` or `replication slot`: what the server no longer has. */
  readonly what: string;
  /** The stored position, as the user would find it on the server. */
  readonly stored: string;
  /** The oldest position the server still has, when it can tell. */
  readonly oldest: string | null;
  /** Why it is gone (`the binlog was purged`, `the slot was dropped`). */
  readonly reason: string;
}

/**
 * The failure of a task whose stored position is gone: names the stored position, the oldest one the server
 * still has, and the ways forward. A re-snapshot is no way back for an insert-then-delete outbox (its table
 * is empty), so the advice says so instead of suggesting it blindly.
 */
export function positionLostError(lost: LostPosition, cause?: unknown): RelayError {
  const oldest = lost.oldest === null ? '' : ` (the oldest position it still has is ${lost.oldest})`;
  return new RelayError(
    'SOURCE_POSITION_LOST',
    `The stored ${lost.what} ${lost.stored} is no longer available on the server${oldest}: ${lost.reason}, ` +
      'so the changes committed after that position were never read and cannot be read from the log. ' +
      'Nothing was skipped: the task stops here until you choose how to go on. ' +
      'An outbox table whose rows are deleted in the same transaction (insert-then-delete, the default of ' +
      '@outflow/outbox) is empty, so a new snapshot recovers none of those events; republish them from the ' +
      "service's own data if they matter. A table that keeps its rows can be re-read: set 'snapshot.mode' to " +
      "'when_needed' (or 'always') and restart the connector (consumers deduplicate by event id). To accept " +
      `the gap and stream from the server's current position: stop the connector, DELETE ` +
      `/connectors/${lost.connector}/offsets, set 'snapshot.mode' to 'no_data' and resume it.`,
    {
      details: { stored: lost.stored, oldest: lost.oldest, what: lost.what, reason: lost.reason },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** The log line that records a gap the operator chose to move past (`snapshot.mode=when_needed`). */
export function gapMessage(lost: LostPosition): string {
  const oldest = lost.oldest === null ? '' : ` (oldest available: ${lost.oldest})`;
  return (
    `GAP: the stored ${lost.what} ${lost.stored} is gone${oldest} (${lost.reason}); snapshot.mode=when_needed ` +
    'takes a new snapshot, and changes committed between that position and the snapshot that are no longer ' +
    'in the captured tables (for example outbox rows deleted in their own transaction) are lost'
  );
}
