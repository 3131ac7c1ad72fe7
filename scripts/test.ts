/**
 * `npm test`: makes sure the project's MariaDB, PostgreSQL and Kafka run (starting those that do not, and
 * stopping those again at the end), then runs every test file with Node's test runner: two files at a time,
 * then the files that purge MariaDB's binary logs alone (below).
 * Arguments are passed to `node --test` (e.g. `npm test -- --test-name-pattern=outbox`); test files given
 * as arguments replace the default set and run together.
 */
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { down, up } from '@outflow/infra';

const defaultFiles = ['packages/*/test/**/*.spec.ts', 'apps/*/test/**/*.spec.ts', 'infra/test/**/*.spec.ts'];
/**
 * These purge MariaDB's binary logs, which takes the stored position from any test of another file that stops
 * a task and starts it again meanwhile (it then fails with SOURCE_POSITION_LOST, as it should): they run after
 * the others, one file at a time.
 */
const purgingFiles = [
  'packages/source-mysql/test/source-mysql.int.spec.ts',
  'packages/source-mysql/test/schema-history.int.spec.ts',
];
const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));

console.log('test: starting the local MariaDB, PostgreSQL and Kafka if they are not running…');
const infra = await up({ progress: (line) => console.log(`test: ${line}`) });
for (const s of infra.services) {
  console.log(`test: ${s.service} ${s.outcome} on port ${s.port} (${s.elapsedMs} ms)`);
}

function runTests(testFiles: readonly string[], concurrency: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...flags, ...testFiles],
      { stdio: 'inherit' },
    );
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

const concurrency = process.env.OUTFLOW_TEST_CONCURRENCY ?? '2';
let exitCode = 1;
try {
  if (files.length > 0) exitCode = await runTests(files, concurrency);
  else {
    const rest = globSync(defaultFiles, { exclude: purgingFiles }).sort();
    const together = await runTests(rest, concurrency);
    console.log(
      `test: now the files that purge MariaDB's binary logs, one at a time: ${purgingFiles.join(', ')}`,
    );
    const alone = await runTests(purgingFiles, '1');
    exitCode = together !== 0 ? together : alone;
  }
} finally {
  if (infra.started.length > 0 && process.env.OUTFLOW_KEEP_INFRA !== '1') {
    console.log(`test: stopping what this run started: ${infra.started.join(', ')}`);
    await down({ only: infra.started });
  }
}
process.exit(exitCode);
