import { readFileSync } from 'node:fs';

/**
 * The relay's version, read from its own package.json at run time: `src/` and the compiled `dist/` both sit
 * one level below it, and a JSON import would pull package.json into the compiled output.
 */
export const RELAY_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
