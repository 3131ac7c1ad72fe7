/**
 * Fault suite, quick part (also in `npm test`): the relay process frozen with SIGSTOP under a steady write
 * load, then thawed, on both sources. It must carry on by itself: RUNNING again, nothing lost. The issue's
 * duration is 90 s (`npm run test:faults` sets it); `npm test` freezes it for
 * `OUTFLOW_FAULT_RELAY_PAUSE_MS` (default 10 s).
 */
import type { Fault, Scenario } from './support/fault-scenario.ts';
import { faultDuration } from './support/report.ts';
import { faultSuite } from './support/suite.ts';

const PAUSE_MS = faultDuration('RELAY_PAUSE', 10_000);

const relayPause: Fault = {
  durationMs: PAUSE_MS,
  async inject(ctx) {
    process.kill(ctx.relay().pid, 'SIGSTOP');
  },
  async heal(ctx) {
    process.kill(ctx.relay().pid, 'SIGCONT');
  },
};

const scenarios: Scenario[] = (['mysql', 'postgres'] as const).map((dialect) => ({
  label: `relay SIGSTOP ${PAUSE_MS / 1000} s (${dialect === 'mysql' ? 'MariaDB' : 'PostgreSQL'})`,
  dialect,
  fault: relayPause,
  expect: { outcome: 'recovers' },
}));

faultSuite(scenarios);
