/**
 * Declares fault scenarios as `node:test` tests: each runs alone (the faults stop shared services), records
 * its row, fails with the problems found, and the file prints its table at the end.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runFaultScenario, type Scenario } from './fault-scenario.ts';
import { thisFileTable } from './report.ts';

/** Registers one test per scenario, run one after the other, and the table print. */
export function faultSuite(scenarios: readonly Scenario[]): void {
  for (const scenario of scenarios) {
    test(scenario.label, { timeout: 20 * 60_000, concurrency: false }, async (t) => {
      const problems = await runFaultScenario(scenario, (line) => t.diagnostic(line));
      assert.deepEqual(problems, [], `${scenario.label}: ${problems.join('; ')}`);
    });
  }
  after(() => {
    console.log(`\nfault scenarios of this file:\n\n${thisFileTable()}\n`);
  });
}
