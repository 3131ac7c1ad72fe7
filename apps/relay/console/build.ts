/**
 * Bundles the web console (Preact + uPlot, `src/main.tsx`) into `dist/console-app` of the relay package, which
 * the relay serves at `/console/`: one hashed script, one hashed stylesheet and an `index.html` naming them,
 * so nothing is loaded from anywhere else. `npm run build` runs it; so do the browser tests, before they start
 * a relay from source. `node apps/relay/console/build.ts [--dev]` (dev: not minified, with a source map).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const here = import.meta.dirname;
export const CONSOLE_OUT_DIR = join(here, '..', 'dist', 'console-app');

/** Builds the bundle into `outDir` (emptied first); returns the files written, relative to it. */
export async function buildConsole(options: { outDir?: string; dev?: boolean } = {}): Promise<string[]> {
  const outDir = options.outDir ?? CONSOLE_OUT_DIR;
  const dev = options.dev ?? false;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'src', 'main.tsx')],
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome111', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: !dev,
    sourcemap: dev ? 'linked' : false,
    entryNames: 'app-[hash]',
    outdir: join(outDir, 'assets'),
    metafile: true,
    legalComments: 'eof',
    logLevel: 'warning',
    tsconfig: join(here, 'tsconfig.json'),
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const script = outputs.find((f) => f.endsWith('.js'));
  const style = outputs.find((f) => f.endsWith('.css'));
  if (script === undefined || style === undefined)
    throw new Error(`console build made ${outputs.join(', ')}`);
  const html = readFileSync(join(here, 'index.html'), 'utf8')
    .replace('%SCRIPT%', `assets/${script}`)
    .replace('%STYLE%', `assets/${style}`);
  writeFileSync(join(outDir, 'index.html'), html);
  return ['index.html', ...outputs.map((f) => `assets/${f}`)];
}

if (import.meta.main) {
  const started = performance.now();
  const files = await buildConsole({ dev: process.argv.includes('--dev') });
  console.log(
    `console: built ${files.length} files into ${CONSOLE_OUT_DIR} in ${Math.round(performance.now() - started)} ms`,
  );
}
