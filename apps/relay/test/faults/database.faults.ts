/**
 * Fault suite (`npm run test:faults`): the source database crashes (SIGKILL of its whole process tree) or
 * restarts cleanly (`down`, then `up`) under a steady write load, on MariaDB and on PostgreSQL. The relay
 * must retry by itself, say so while the database is away (status trace, `outflow_source_connected 0`,
 * errors by kind, a warning, then an info line with the outage's duration), and be RUNNING again with
 * nothing lost. Stops the project's shared databases: never run alongside other tests.
 */
import { down, killServices, up } from '@outflow/infra';
import type { Fault, Scenario } from './support/fault-scenario.ts';
import { faultDuration } from './support/report.ts';
import { faultSuite } from './support/suite.ts';

const KILL_MS = faultDuration('DB_KILL', 10_000);
const RESTART_MS = faultDuration('DB_RESTART', 5000);

const service = (dialect: 'mysql' | 'postgres') => (dialect === 'mysql' ? 'mariadb' : 'postgres');
const title = (dialect: 'mysql' | 'postgres') => (dialect === 'mysql' ? 'MariaDB' : 'PostgreSQL');

function crash(durationMs: number): Fault {
  return {
    durationMs,
    async inject(ctx) {
      await killServices({ only: [service(ctx.dialect)] });
    },
    async heal(ctx) {
      await up({ only: [service(ctx.dialect)] });
    },
  };
}

function restart(durationMs: number): Fault {
  return {
    durationMs,
    async inject(ctx) {
      const [result] = await down({ only: [service(ctx.dialect)] });
      ctx.note(`down: ${result?.outcome} in ${result?.elapsedMs} ms`);
    },
    async heal(ctx) {
      await up({ only: [service(ctx.dialect)] });
    },
  };
}

const scenarios: Scenario[] = (['mysql', 'postgres'] as const).flatMap((dialect): Scenario[] => [
  {
    label: `${title(dialect)} SIGKILL (${KILL_MS / 1000} s down)`,
    dialect,
    fault: crash(KILL_MS),
    expect: { outcome: 'recovers', outage: 'source' },
  },
  {
    label: `${title(dialect)} clean restart (${RESTART_MS / 1000} s down)`,
    dialect,
    fault: restart(RESTART_MS),
    expect: { outcome: 'recovers', outage: 'source' },
  },
]);

faultSuite(scenarios);
