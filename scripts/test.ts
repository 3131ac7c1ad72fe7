/**
 * `npm test`: makes sure the project's MariaDB, PostgreSQL and Kafka run (starting those that do not, and
 * stopping those again at the end), then runs every test file with Node's test runner.
 * Arguments are passed to `node --test` (e.g. `npm test -- --test-name-pattern=outbox`); test files given
 * as arguments replace the default set.
 */
import { spawn } from 'node:child_process';
import { down, up } from '@outflow/infra';

const defaultFiles = ['packages/*/test/**/*.spec.ts', 'apps/*/test/**/*.spec.ts', 'infra/test/**/*.spec.ts'];
const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));

console.log('test: starting the local MariaDB, PostgreSQL and Kafka if they are not running…');
const infra = await up({ progress: (line) => console.log(`test: ${line}`) });
for (const s of infra.services) {
  console.log(`test: ${s.service} ${s.outcome} on port ${s.port} (${s.elapsedMs} ms)`);
}

let exitCode = 1;
try {
  exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--test',
        `--test-concurrency=${process.env.OUTFLOW_TEST_CONCURRENCY ?? '2'}`,
        '--test-reporter=spec',
        ...flags,
        ...(files.length > 0 ? files : defaultFiles),
      ],
      { stdio: 'inherit' },
    );
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
} finally {
  if (infra.started.length > 0 && process.env.OUTFLOW_KEEP_INFRA !== '1') {
    console.log(`test: stopping what this run started: ${infra.started.join(', ')}`);
    await down({ only: infra.started });
  }
}
process.exit(exitCode);
