import { RelayError } from '@outflow/relay-core';
import type pg from 'pg';
import { type Lsn, parseLsn } from '../decoder/copy-data.ts';
import type { SqlExecutor } from '../tables.ts';
import { quoteIdent } from './connection.ts';

/** What `pg_replication_slots` says about a slot. */
export interface SlotState {
  readonly name: string;
  readonly plugin: string | null;
  readonly database: string | null;
  readonly active: boolean;
  readonly activePid: number | null;
  readonly confirmedFlushLsn: Lsn | null;
}

/** Reads a slot's state; null when the slot does not exist. */
export async function readSlot(db: SqlExecutor, name: string): Promise<SlotState | null> {
  const result = await db.query(
    `SELECT slot_name, plugin, database, active, active_pid, confirmed_flush_lsn::text AS confirmed
       FROM pg_replication_slots WHERE slot_name = $1`,
    [name],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    name,
    plugin: row.plugin === null ? null : String(row.plugin),
    database: row.database === null ? null : String(row.database),
    active: row.active === true || row.active === 't',
    activePid: row.active_pid === null ? null : Number(row.active_pid),
    confirmedFlushLsn: row.confirmed === null ? null : parseLsn(String(row.confirmed)),
  };
}

/** Fails when an existing slot cannot serve this connector (another plugin or database). */
export function checkSlotUsable(slot: SlotState, database: string): void {
  if (slot.plugin !== 'pgoutput')
    throw new RelayError(
      'SOURCE_SERVER_MISCONFIGURED',
      `replication slot ${slot.name} uses plugin '${slot.plugin ?? 'none (physical)'}', not pgoutput; ` +
        `drop it (SELECT pg_drop_replication_slot('${slot.name}')) or set slot.name to another slot`,
      { details: { slot: slot.name, plugin: slot.plugin } },
    );
  if (slot.database !== database)
    throw new RelayError(
      'SOURCE_SERVER_MISCONFIGURED',
      `replication slot ${slot.name} belongs to database '${slot.database}', not '${database}'; set slot.name ` +
        'to a slot of this database (slot names are unique per server)',
      { details: { slot: slot.name, database: slot.database } },
    );
}

/** A newly created slot: where streaming starts, and the exported snapshot consistent with it. */
export interface CreatedSlot {
  readonly consistentPoint: Lsn;
  /** Snapshot id for `SET TRANSACTION SNAPSHOT`, valid until the replication connection runs its next command. */
  readonly snapshotName: string | null;
}

/** Creates a pgoutput slot on a replication connection, exporting a snapshot when asked. */
export async function createSlot(
  replication: pg.Client,
  name: string,
  exportSnapshot: boolean,
): Promise<CreatedSlot> {
  const mode = exportSnapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT';
  const result = await replication.query(
    `CREATE_REPLICATION_SLOT ${quoteIdent(name)} LOGICAL pgoutput ${mode}`,
  );
  const row = result.rows[0] as { consistent_point: string; snapshot_name: string | null };
  return { consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name ?? null };
}

/** Drops a slot if it exists and is not in use. Returns true when it was dropped. */
export async function dropSlot(db: SqlExecutor, name: string): Promise<boolean> {
  const result = await db.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
    [name],
  );
  return result.rows.length > 0;
}

/** True for "replication slot … is active for PID …" (SQLSTATE 55006, object_in_use). */
export function isSlotInUseError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '55006';
}

/** True for "replication slot … already exists" (SQLSTATE 42710): another task created it first. */
export function isSlotExistsError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '42710';
}
