import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The relay package's folder and version, from its own package.json found at run time: the nearest folder
 * above this module whose package.json is the relay's (one level above `src/` and `dist/`, two above the
 * bundled CLI in `dist/bin/`). A JSON import would pull package.json into the compiled output.
 */
function relayPackage(): { dir: string; version: string } {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (manifest.name === '@outflow/relay') return { dir, version: manifest.version };
    }
    if (dirname(dir) === dir)
      throw new Error(`no package.json of @outflow/relay above ${import.meta.dirname}`);
  }
}

const relay = relayPackage();

/** The folder of the relay package (holding `package.json`, `dist/`, `docs/`). */
export const RELAY_PACKAGE_DIR: string = relay.dir;

/** The relay's version. */
export const RELAY_VERSION: string = relay.version;
