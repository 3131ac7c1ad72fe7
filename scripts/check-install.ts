/**
 * `npm run check:install`: Outflow as a user gets it. Builds the public packages, packs them with `npm pack`,
 * installs the tarballs into a scratch project in the system's temporary folder (no workspace, no links),
 * and there: type-checks a TypeScript file using the public API with `tsc --strict` (including calls that must
 * not compile), imports every entry point from plain JavaScript and require()s from CommonJS, runs
 * `outflow-relay --version` / `--help`, starts the installed relay against the local Kafka until `GET /`
 * answers, and runs the examples' end-to-end check. Prints each tarball's size and the relay's start-up time
 * and idle RSS, installed vs from source (BENCHMARKS.md).
 *
 * Needs the local MariaDB, PostgreSQL and Kafka running (`npm run infra -- up`) and the npm registry for the
 * third-party dependencies. `--keep` leaves the scratch folder in place; `--skip-examples` skips the examples.
 */
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaBootstrap } from '@outflow/testing';
import { runExamples } from './install-check/example.ts';
import { startRelay } from './install-check/relay-start.ts';
import { run, userEnv } from './install-check/shell.ts';

/** The packages a user installs, and everything they depend on. */
export const PUBLIC_PACKAGES = [
  'packages/kafka',
  'packages/relay-core',
  'packages/transforms',
  'packages/source-mysql',
  'packages/source-postgres',
  'packages/sink-kafka',
  'packages/offset-store',
  'packages/outbox',
  'packages/inbox',
  'packages/adapters',
  'apps/relay',
];

const root = new URL('..', import.meta.url).pathname;
const keep = process.argv.includes('--keep');
const started = performance.now();
const step = (what: string) =>
  console.log(`\ncheck:install: ${what} (+${Math.round((performance.now() - started) / 1000)}s)`);
const node = process.execPath;
const npm = 'npm';
const scratch = mkdtempSync(join(tmpdir(), 'outflow-install-'));
const env = userEnv();

/** Versions of the scratch project's own tools, the same as the workspace's. */
function workspaceVersion(name: string): string {
  return (
    JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

try {
  step('build (tsc -b tsconfig.build.json)');
  await run(node, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'], {
    cwd: root,
  });
  step('build the web console (apps/relay/console/build.ts)');
  await run(node, [join(root, 'apps/relay/console/build.ts')], { cwd: root });
  step('bundle the outflow-relay command (apps/relay/build-cli.ts)');
  await run(node, [join(root, 'apps/relay/build-cli.ts')], { cwd: root });

  step('npm pack');
  const packDir = join(scratch, 'tarballs');
  mkdirSync(packDir);
  const packed = JSON.parse(
    await run(
      npm,
      ['pack', '--json', '--pack-destination', packDir, ...PUBLIC_PACKAGES.flatMap((p) => ['-w', p])],
      {
        cwd: root,
        env,
      },
    ),
  ) as { name: string; filename: string; size: number; unpackedSize: number; entryCount: number }[];
  for (const p of packed) {
    console.log(
      `  ${p.name.padEnd(24)} ${(p.size / 1024).toFixed(1).padStart(7)} kB packed, ${(p.unpackedSize / 1024).toFixed(1).padStart(7)} kB unpacked, ${p.entryCount} files`,
    );
  }
  const tarballs = Object.fromEntries(packed.map((p) => [p.name, `file:${join(packDir, p.filename)}`]));
  writeFileSync(join(scratch, 'tarballs.json'), JSON.stringify(tarballs, null, 2));

  step(`scratch project in ${scratch}`);
  const project = join(scratch, 'project');
  cpSync(join(root, 'scripts/install-check/fixture'), project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'outflow-scratch',
        private: true,
        type: 'module',
        dependencies: {
          ...tarballs,
          kysely: workspaceVersion('kysely'),
          pg: workspaceVersion('pg'),
        },
        devDependencies: {
          '@types/node': workspaceVersion('@types/node'),
          '@types/pg': workspaceVersion('@types/pg'),
          typescript: workspaceVersion('typescript'),
        },
      },
      null,
      2,
    ),
  );
  await run(npm, ['install', '--no-audit', '--no-fund', '--install-links'], { cwd: project, env });
  for (const name of Object.keys(tarballs)) {
    if (lstatSync(join(project, 'node_modules', name)).isSymbolicLink()) {
      throw new Error(`${name} is a symbolic link in the scratch project, not an installed copy`);
    }
  }

  step('tsc --strict on the public API (with calls that must not compile)');
  await run(node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: project, env });

  step('plain JavaScript: import and require');
  process.stdout.write(await run(node, ['import.mjs'], { cwd: project, env }));
  process.stdout.write(await run(node, ['require.cjs'], { cwd: project, env }));

  step('outflow-relay --version, --help');
  const bin = join(project, 'node_modules/.bin/outflow-relay');
  const version = (await run(bin, ['--version'], { cwd: project, env })).trim();
  const expected = JSON.parse(readFileSync(join(root, 'apps/relay/package.json'), 'utf8')).version as string;
  if (version !== expected)
    throw new Error(`outflow-relay --version printed ${version}, expected ${expected}`);
  const help = await run(bin, ['--help'], { cwd: project, env });
  if (!help.startsWith('Usage: outflow-relay')) throw new Error(`outflow-relay --help printed:\n${help}`);
  console.log(`  outflow-relay ${version}; --help: ${help.split('\n')[0]}`);

  step('relay start against Kafka, installed vs from source (3 runs each)');
  const runs = { installed: [] as number[][], source: [] as number[][] };
  for (let i = 0; i < 3; i++) {
    const installed = await startRelay({
      command: bin,
      args: [],
      cwd: project,
      dir: scratch,
      env,
      bootstrapServers: kafkaBootstrap,
    });
    if (installed.root.version !== expected)
      throw new Error(`GET / answered version ${installed.root.version}`);
    runs.installed.push([installed.startMs, installed.idleRssMiB]);
    const source = await startRelay({
      command: node,
      args: ['--conditions=outflow-source', join(root, 'apps/relay/src/cli.ts')],
      cwd: root,
      dir: scratch,
      env: process.env,
      bootstrapServers: kafkaBootstrap,
    });
    runs.source.push([source.startMs, source.idleRssMiB]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [label, samples] of Object.entries(runs)) {
    const startMs = median(samples.map((s) => s[0]!));
    const rss = median(samples.map((s) => s[1]!));
    console.log(
      `  relay ${label.padEnd(9)} start to GET / ${startMs.toFixed(0).padStart(5)} ms (median of 3), idle RSS ${rss.toFixed(1)} MiB`,
    );
  }

  if (!process.argv.includes('--skip-examples')) {
    step(
      'examples: installed from the tarballs, type-checked; kysely-postgres end to end (PostgreSQL, Kafka)',
    );
    await runExamples({ root, scratch, tarballs, env, relayBin: bin });
  }
  step('passed');
} finally {
  if (keep) console.log(`check:install: scratch folder kept: ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
