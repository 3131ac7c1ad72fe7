/**
 * Fault suite (`npm run test:faults`): Kafka crashes (SIGKILL, 20 s down) or hangs (SIGSTOP, 60 s) under a
 * steady write load on MariaDB, and the relay is asked to stop (SIGTERM) while Kafka hangs. The relay must
 * keep retrying and say so while Kafka is away (status trace, `outflow_sink_connected 0`, errors by kind,
 * lag growing, a warning, then an info line with the outage's duration), deliver everything afterwards,
 * and exit within `task.shutdown.graceful.timeout.ms` (5 s) plus a margin on SIGTERM.
 * Stops the project's shared Kafka: never run alongside other tests.
 */
import { killServices, pauseServices, resumeServices, up } from '@outflow/infra';
import type { Fault, Scenario } from './support/fault-scenario.ts';
import { faultDuration } from './support/report.ts';
import { faultSuite } from './support/suite.ts';

const KILL_MS = faultDuration('KAFKA_KILL', 20_000);
const PAUSE_MS = faultDuration('KAFKA_PAUSE', 60_000);
/** How long the relay has to write into a hung Kafka before it is told to stop. */
const HANG_BEFORE_TERM_MS = faultDuration('KAFKA_HANG_BEFORE_TERM', 5000);
/** Connect's default `task.shutdown.graceful.timeout.ms`. */
const GRACEFUL_MS = 5000;
/** What the loaded test machine may add to it (process exit, flushing logs). */
const MARGIN_MS = 5000;

let exitMs: number | undefined;

const sigtermWhileKafkaHangs: Fault = {
  durationMs: HANG_BEFORE_TERM_MS,
  async inject() {
    await pauseServices({ only: ['kafka'] });
  },
  async heal(ctx) {
    const relay = ctx.relay();
    const began = Date.now();
    const exited = relay.stop().then(() => Date.now() - began);
    const limit = GRACEFUL_MS + MARGIN_MS + 20_000;
    exitMs = await Promise.race([
      exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), limit)),
    ]);
    if (exitMs === undefined) {
      ctx.note(`SIGTERM: still running after ${limit / 1000} s, SIGKILLed`);
      await relay.kill();
    } else {
      ctx.note(`SIGTERM: exited after ${(exitMs / 1000).toFixed(1)} s`);
    }
    await resumeServices({ only: ['kafka'] });
    await ctx.restartRelay();
  },
};

const scenarios: Scenario[] = [
  {
    label: `Kafka SIGKILL (${KILL_MS / 1000} s down)`,
    dialect: 'mysql',
    fault: {
      durationMs: KILL_MS,
      async inject() {
        await killServices({ only: ['kafka'] });
      },
      async heal() {
        await up({ only: ['kafka'] });
      },
    },
    expect: { outcome: 'recovers', outage: 'sink' },
  },
  {
    label: `Kafka SIGSTOP (${PAUSE_MS / 1000} s)`,
    dialect: 'mysql',
    fault: {
      durationMs: PAUSE_MS,
      async inject() {
        await pauseServices({ only: ['kafka'] });
      },
      async heal() {
        await resumeServices({ only: ['kafka'] });
      },
    },
    expect: { outcome: 'recovers', outage: 'sink' },
  },
  {
    label: 'SIGTERM while Kafka hangs',
    dialect: 'mysql',
    fault: sigtermWhileKafkaHangs,
    expect: {
      outcome: 'recovers',
      extra: () =>
        exitMs !== undefined && exitMs <= GRACEFUL_MS + MARGIN_MS
          ? []
          : [
              `relay did not exit within ${(GRACEFUL_MS + MARGIN_MS) / 1000} s of SIGTERM (${exitMs === undefined ? 'not at all' : `${(exitMs / 1000).toFixed(1)} s`})`,
            ],
    },
  },
];

faultSuite(scenarios);
