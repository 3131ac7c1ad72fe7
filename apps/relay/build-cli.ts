/**
 * Bundles the `outflow-relay` command (`src/cli.ts` and everything it loads) into `dist/bin/` of the relay
 * package, which the package's `bin` names. One file for the command line, and chunks for what it imports
 * later (the relay, the tracing SDK), instead of ~1,200 modules: Node then resolves, reads and compiles a few
 * files at start, which halves the time to the REST API and takes ~15 MB less memory (BENCHMARKS.md, ADR
 * 0006). `npm run build` runs it after `tsc -b`; the library entry points (`dist/index.js`) stay unbundled.
 *
 * Left outside the bundle, and so dependencies of the package: files a module reads next to itself (the
 * Kafka client's WebAssembly) and native bindings.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const here = import.meta.dirname;
export const CLI_OUT_DIR = join(here, 'dist', 'bin');

/** Modules loaded from `node_modules` at run time; each is a dependency in package.json. */
export const CLI_EXTERNALS = ['@platformatic/wasm-utils', '@node-rs/crc32'];

/** The task thread's module (`task.isolation=thread`), among the chunks. */
const TASK_THREAD_CHUNK = 'chunks/task-thread';

/** Builds the command into {@link CLI_OUT_DIR} (emptied first); returns the files written, relative to it. */
export async function buildCli(): Promise<string[]> {
  const manifest = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const undeclared = CLI_EXTERNALS.filter((name) => manifest.dependencies[name] === undefined);
  // Resolved from the installed package at run time: only a declared dependency is sure to be there.
  if (undeclared.length > 0)
    throw new Error(`apps/relay/package.json must depend on ${undeclared.join(', ')}`);
  rmSync(CLI_OUT_DIR, { recursive: true, force: true });
  const result = await build({
    entryPoints: {
      'outflow-relay': join(here, 'src', 'cli.ts'),
      // Beside the chunks: `threaded-runner.ts`, bundled into one of them, starts it as `./task-thread.js`.
      [TASK_THREAD_CHUNK]: join(here, 'src', 'worker', 'task-thread.ts'),
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22.18',
    // The workspace's own packages from their sources, as tests and `npm start` run them.
    conditions: ['outflow-source'],
    external: CLI_EXTERNALS,
    // Whitespace and dead code only: names stay, so stack traces in task statuses still read.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'eof',
    outdir: CLI_OUT_DIR,
    chunkNames: 'chunks/[name]-[hash]',
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as __outflowRequire } from 'node:module';\nconst require = __outflowRequire(import.meta.url);",
    },
    // `GET /` names the commit built, without running git in whatever folder the package is installed in.
    define: { OUTFLOW_BUILD_COMMIT: JSON.stringify(buildCommit()) },
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs).map(([file, output]) => ({
    file: relative(CLI_OUT_DIR, file),
    inputs: Object.keys(output.inputs),
  }));
  const runner = outputs.find((o) => o.inputs.some((i) => i.endsWith('src/worker/threaded-runner.ts')));
  if (runner === undefined || dirname(runner.file) !== dirname(TASK_THREAD_CHUNK))
    throw new Error(
      `threaded-runner.ts was bundled into ${runner?.file}, not next to ${TASK_THREAD_CHUNK}.js`,
    );
  return outputs.map((o) => o.file);
}

function buildCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=16', 'HEAD'], {
      cwd: here,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

if (import.meta.main) {
  const started = performance.now();
  const files = await buildCli();
  console.log(
    `outflow-relay: bundled into ${files.filter((f) => !f.endsWith('.map')).length} files in ${relative(process.cwd(), CLI_OUT_DIR) || '.'} in ${Math.round(performance.now() - started)} ms`,
  );
}
