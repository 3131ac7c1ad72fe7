/**
 * `npm run test:faults`: the relay's fault suite, in full. Runs every scenario of apps/relay/test/faults
 * (the quick ones `npm test` also runs, with the issue's full durations, and the long `*.faults.ts` ones
 * that stop the shared services) one file at a time through `npm test`'s runner, then prints the whole
 * table. It stops and restarts the project's MariaDB, PostgreSQL and Kafka: never run it alongside other tests.
 * Durations: `OUTFLOW_FAULT_<NAME>_MS` (see the spec files); arguments are passed on to `node --test`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, readReport } from '../apps/relay/test/faults/support/report.ts';

const root = join(import.meta.dirname, '..');
const folder = join('apps', 'relay', 'test', 'faults');
const files = readdirSync(join(root, folder))
  .filter((f) => f.endsWith('.faults.ts') || f.endsWith('.spec.ts'))
  .sort()
  .map((f) => join(folder, f));
const args = process.argv.slice(2);
const scratch = mkdtempSync(join(tmpdir(), 'outflow-faults-'));
const report = join(scratch, 'report.jsonl');

const code = await new Promise<number>((resolve, reject) => {
  const child = spawn(
    process.execPath,
    [
      join(root, 'scripts', 'test.ts'),
      '--test-concurrency=1',
      '--test-force-exit',
      ...args,
      ...(args.some((a) => !a.startsWith('-')) ? [] : files),
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        OUTFLOW_FAULT_RELAY_PAUSE_MS: '90000',
        ...process.env,
        OUTFLOW_FAULTS_REPORT: report,
      },
    },
  );
  child.on('error', reject);
  child.on('exit', (exit, signal) => resolve(exit ?? (signal === null ? 1 : 128)));
});
const rows = readReport(report);
rmSync(scratch, { recursive: true, force: true });
console.log(
  `\nfault suite: ${rows.filter((r) => r.verdict === 'pass').length} of ${rows.length} scenarios pass\n`,
);
console.log(markdownTable(rows));
process.exit(code);
