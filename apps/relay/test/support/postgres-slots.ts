import { postgresUrl } from '@outflow/testing';
import pg from 'pg';

/** Runs one statement on the project's PostgreSQL (database `outflow`) and returns its rows. */
export async function pgAdminQuery(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** What `pg_replication_slots` says about a slot; null when it does not exist. */
export async function slotState(slot: string): Promise<{ active: boolean; activePid: number | null } | null> {
  const [row] = await pgAdminQuery(
    'SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  if (row === undefined) return null;
  return { active: row.active === true, activePid: row.active_pid === null ? null : Number(row.active_pid) };
}

/**
 * Drops replication slots (waiting up to `timeoutMs` for their walsenders to let go). Slots outlive their
 * database and keep WAL for ever, so every test that creates one drops it. Publications go with the database.
 */
export async function dropSlots(slots: readonly string[], timeoutMs = 15_000): Promise<void> {
  for (const slot of slots) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await slotState(slot);
      if (state === null) break;
      if (!state.active) {
        await pgAdminQuery(
          'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
          [slot],
        );
        continue;
      }
      if (Date.now() > deadline + 10_000) throw new Error(`replication slot ${slot} is still held`);
      if (Date.now() > deadline) {
        // A walsender whose client is gone: end it rather than leave a slot behind.
        await pgAdminQuery('SELECT pg_terminate_backend($1)', [state.activePid]);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
