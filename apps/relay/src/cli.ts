#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import module from 'node:module';
import { basename } from 'node:path';
import { importWithLazyValidators } from './lazy-validators.ts';
import { ENV_PREFIX, parseProperties } from './properties.ts';
import type { ConnectorDefinition } from './relay.ts';
import { RELAY_VERSION } from './version.ts';

const USAGE = `Usage: outflow-relay [worker.properties] [connector.json|connector.properties ...]
       outflow-relay --version | --help

Starts the Outflow relay: the worker that runs CDC connectors and its Kafka Connect-compatible REST API
(default http://127.0.0.1:8083). Connector files are created, or updated, once the worker runs:
  *.json        {"name": "...", "config": {...}} as POST /connectors takes it (or a flat map with "name")
  *.properties  a Connect standalone connector file (name=..., connector.class=..., ...)
The first .properties file without connector.class is the worker configuration; every worker property can
be overridden by an environment variable ${ENV_PREFIX}<NAME>, e.g. ${ENV_PREFIX}REST_PORT=8084.
Every property: docs/configuration.md in the installed package (apps/relay/docs/ in the repository).
SIGINT/SIGTERM stop the tasks, flush offsets and exit.`;

/** Splits the command line into the worker properties and the connector definitions. */
export async function readCommandLine(
  args: readonly string[],
): Promise<{ workerProperties: Record<string, string>; connectors: ConnectorDefinition[] }> {
  let workerProperties: Record<string, string> | undefined;
  const connectors: ConnectorDefinition[] = [];
  for (const file of args) {
    const text = await readFile(file, 'utf8');
    if (file.endsWith('.json')) {
      connectors.push(connectorFromJson(file, text));
      continue;
    }
    const props = parseProperties(text);
    if (props['connector.class'] === undefined && workerProperties === undefined && connectors.length === 0) {
      workerProperties = props;
      continue;
    }
    const name = props.name ?? basename(file).replace(/\.properties$/, '');
    connectors.push({ name, config: props });
  }
  return { workerProperties: workerProperties ?? {}, connectors };
}

function connectorFromJson(file: string, text: string): ConnectorDefinition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const body = parsed as { name?: unknown; config?: unknown };
  const config = (typeof body.config === 'object' && body.config !== null ? body.config : body) as Record<
    string,
    unknown
  >;
  const name = body.name ?? config.name;
  if (typeof name !== 'string' || name === '') throw new Error(`${file} has no connector "name"`);
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) flat[k] = typeof v === 'string' ? v : String(v);
  return { name, config: flat };
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`${RELAY_VERSION}\n`);
    return;
  }
  const unknownFlag = argv.find((a) => a.startsWith('-'));
  if (unknownFlag !== undefined) throw new Error(`Unknown option ${unknownFlag}\n\n${USAGE}`);
  const { workerProperties, connectors } = await readCommandLine(argv);
  // Node's on-disk cache of compiled code (its recommendation for command-line tools): later starts skip
  // compiling the relay again. Without a writable temporary directory it stays off.
  module.enableCompileCache?.();
  // Loaded here, not imported above: `--help` and `--version` answer without them, and the Kafka client's
  // option validators are left uncompiled (lazy-validators.ts).
  const [{ startRelay }, { startTracing }] = await importWithLazyValidators(() =>
    Promise.all([import('./relay.ts'), import('./tracing.ts')]),
  );
  const stopTracing = await startTracing('outflow-relay');
  const relay = await startRelay({ workerProperties, connectors });
  process.stderr.write(`outflow-relay: REST API listening on ${relay.url}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`outflow-relay: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`outflow-relay: ${signal} received, stopping (tasks, offsets, producers)\n`);
    relay
      .close()
      .then(stopTracing)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`outflow-relay: stop failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`outflow-relay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
