import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { RELAY_PACKAGE_DIR } from '../version.ts';

/** Where the console's bundle is: `dist/console-app` of the relay package, built by `npm run build`. */
export const CONSOLE_APP_DIR = join(RELAY_PACKAGE_DIR, 'dist', 'console-app');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/** One file of the bundle, held in memory (the whole bundle is a few hundred kB). */
export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  /** Hashed names never change content: browsers may keep them; `index.html` is asked again each time. */
  readonly immutable: boolean;
}

/** The bundle's files by path relative to the bundle directory; null when the console was not built. */
export function loadAssets(dir: string = CONSOLE_APP_DIR): Map<string, Asset> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const rel = relative(dir, path).split('\\').join('/');
        assets.set(rel, {
          body: readFileSync(path),
          type: TYPES[extname(name)] ?? 'application/octet-stream',
          immutable: rel !== 'index.html',
        });
      }
    }
  };
  walk(dir);
  return assets;
}
