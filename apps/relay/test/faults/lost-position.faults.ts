/**
 * Fault suite (`npm run test:faults`): the position the relay resumes from is gone. PostgreSQL: its
 * replication slot is dropped while it runs (`pg_terminate_backend` + `pg_drop_replication_slot`). MariaDB:
 * the binlog it stored is purged while it is stopped, in both outbox modes. Events are lost either way, so
 * the task must go FAILED with a trace that names what was lost (the stored position, and for the binlog the
 * oldest one the server still has); with insert-then-delete the advice must not pretend that a re-snapshot
 * brings the events back (the rows are already deleted). Purges the shared MariaDB's binlogs: never run
 * alongside other tests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mariadbUrl } from '@outflow/testing';
import mysql from 'mysql2/promise';
import { pgAdminQuery } from '../support/postgres-slots.ts';
import { type Fault, type Scenario, stopRelay } from './support/fault-scenario.ts';
import { faultDuration } from './support/report.ts';
import { faultSuite } from './support/suite.ts';

const STOPPED_MS = faultDuration('POSITION_GAP', 5000);

const slotDropped: Fault = {
  durationMs: STOPPED_MS,
  async inject(ctx) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      await pgAdminQuery(
        'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active',
        [ctx.slot],
      );
      const dropped = await pgAdminQuery(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
        [ctx.slot],
      ).then(
        (rows) => rows.length > 0,
        () => false,
      );
      if (dropped) return;
      if (Date.now() > deadline) throw new Error(`could not drop slot ${ctx.slot}`);
    }
  },
  async heal() {},
};

/** Binlog files of the shared MariaDB at the time of the purge, for the trace checks. */
const binlog = { stored: '', oldest: '' };

async function admin<T>(work: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection(mariadbUrl());
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

const binlogPurged: Fault = {
  durationMs: STOPPED_MS,
  async inject(ctx) {
    await stopRelay(ctx.relay());
    binlog.stored = await admin(async (c) => {
      const [rows] = await c.query('SHOW MASTER STATUS');
      return String((rows as { File: string }[])[0]?.File);
    });
  },
  async heal(ctx) {
    // The events written while the relay was stopped are in `stored`; rotate, then purge everything older.
    binlog.oldest = await admin(async (c) => {
      await c.query('FLUSH BINARY LOGS');
      const [status] = await c.query('SHOW MASTER STATUS');
      const current = String((status as { File: string }[])[0]?.File);
      // MariaDB keeps a file while InnoDB may still need it for crash recovery (until the binlog checkpoint
      // after the rotation): purge again until only the current file is left.
      const deadline = Date.now() + 120_000;
      for (;;) {
        await c.query(`PURGE BINARY LOGS TO '${current}'`);
        const [logs] = await c.query('SHOW BINARY LOGS');
        const oldest = String((logs as { Log_name: string }[])[0]?.Log_name);
        if (oldest === current) return oldest;
        if (Date.now() > deadline) throw new Error(`binlog ${oldest} could not be purged`);
        await sleep(200);
      }
    });
    ctx.note(`purged up to ${binlog.oldest} (relay stored ${binlog.stored})`);
    await ctx.restartRelay();
  },
};

function binlogTraceProblems(trace: string, mode: 'insert-then-delete' | 'keep'): string[] {
  const problems: string[] = [];
  if (!trace.includes(binlog.stored)) problems.push(`trace does not name the stored binlog ${binlog.stored}`);
  if (!trace.includes(binlog.oldest))
    problems.push(`trace does not name the oldest available binlog ${binlog.oldest}`);
  if (
    mode === 'insert-then-delete' &&
    /snapshot/i.test(trace) &&
    !/(recovers? nothing|cannot recover|not recover|will not bring|won't bring|deleted|empty)/i.test(trace)
  ) {
    problems.push(
      'with insert-then-delete the trace advises a re-snapshot without saying it recovers nothing',
    );
  }
  return problems;
}

const scenarios: Scenario[] = [
  {
    label: 'PostgreSQL slot dropped while running',
    dialect: 'postgres',
    fault: slotDropped,
    expect: {
      outcome: 'fails',
      trace: (trace, ctx) => [
        ...(/([0-9A-F]+\/[0-9A-F]+|\b\d{6,}\b)/i.test(trace)
          ? []
          : ['trace names no LSN (the lost position)']),
        ...(trace.includes(ctx.slot) ? [] : [`trace does not name the slot ${ctx.slot}`]),
      ],
    },
  },
  ...(['insert-then-delete', 'keep'] as const).map(
    (mode): Scenario => ({
      label: `binlog purged while stopped (${mode})`,
      dialect: 'mysql',
      mode,
      fault: binlogPurged,
      expect: { outcome: 'fails', trace: (trace) => binlogTraceProblems(trace, mode) },
    }),
  ),
];

faultSuite(scenarios);
