import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sink } from '@outflow/relay-core';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { RelayConsole } from './console/console.ts';
import { createRelayLogger } from './logging.ts';
import { RelayMetrics } from './metrics.ts';
import type { PluginRegistry } from './plugins.ts';
import { buildApp } from './rest/app.ts';
import { SecretScrubber } from './secrets.ts';
import { RELAY_VERSION } from './version.ts';
import type { ConfigStore } from './worker/config-store.ts';
import { Herder, type SinkTopicOptions } from './worker/herder.ts';
import type { AdminOffsetStore } from './worker/offsets.ts';
import { loadWorkerConfig, type WorkerConfig } from './worker-config.ts';

/** Where the relay keeps its state and writes its records. `close` runs after every task stopped. */
export interface RelayBackends {
  readonly configStore: ConfigStore;
  readonly offsetStore: AdminOffsetStore;
  /** A sink for one run of a connector's task; `topics` are its `topic.creation.default.*` settings. */
  readonly createSink: (connector: string, topics: SinkTopicOptions) => Sink;
  readonly kafkaClusterId: () => Promise<string | null>;
  close(): Promise<void>;
}

/** A connector to create (or update) at start, as `POST /connectors` takes it. */
export interface ConnectorDefinition {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

/** Options of {@link startRelay}; everything but the worker properties has a production default. */
export interface StartRelayOptions {
  /** Worker properties (a `.properties` file's content); `OUTFLOW_RELAY_*` variables of `env` win. */
  readonly workerProperties?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Connectors created or updated once the worker runs. */
  readonly connectors?: readonly ConnectorDefinition[];
  /** Connector and transform plugins (default: MySQL/MariaDB and the outbox EventRouter). */
  readonly plugins?: PluginRegistry;
  /** Stores and sink (default: Kafka topics, or files when the worker properties name them). */
  readonly backends?: (config: WorkerConfig, logger: PinoLogger) => Promise<RelayBackends>;
  /** Where log lines go (default stdout). */
  readonly logDestination?: NodeJS.WritableStream;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** A running relay. `close` stops the REST API, then every task (offsets flushed), then the backends. */
export interface RunningRelay {
  readonly url: string;
  readonly herder: Herder;
  readonly app: FastifyInstance;
  readonly config: WorkerConfig;
  close(): Promise<void>;
}

/** A relay whose worker runs and whose REST API is built but not listening (tests use `app.inject`). */
export interface CreatedRelay {
  readonly herder: Herder;
  readonly app: FastifyInstance;
  readonly config: WorkerConfig;
  readonly logger: PinoLogger;
  /** Stops the REST API, then every task (offsets flushed), then the backends. Idempotent. */
  close(): Promise<void>;
}

/** Builds the worker and its REST API and starts the stored connectors, without listening. */
export async function createRelay(options: StartRelayOptions = {}): Promise<CreatedRelay> {
  const config = loadWorkerConfig(options.workerProperties ?? {}, options.env ?? process.env);
  const scrubber = new SecretScrubber();
  const logger = createRelayLogger({
    level: config.logLevel,
    scrubber,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  for (const warning of config.warnings) logger.warn(warning);
  if (config.pluginPath !== null)
    logger.info({ pluginPath: config.pluginPath }, 'plugin.path is ignored: Outflow plugins are built in');
  const plugins = options.plugins ?? (await import('./default-plugins.ts')).defaultPlugins();
  const backends = options.backends
    ? await options.backends(config, logger)
    : await (await import('./backends.ts')).createBackends(config, logger);
  const metrics = new RelayMetrics();
  const internalTopics = new Set([config.offsetStorageTopic, config.configStorageTopic]);
  const relayConsole = new RelayConsole({
    kafka: { bootstrapServers: config.bootstrapServers, ...config.clientProperties },
    internalTopics,
    logger,
  });
  let workerId = `${config.restHost}:${config.restPort}`;
  const herder = new Herder({
    plugins,
    configStore: backends.configStore,
    offsetStore: backends.offsetStore,
    // Counted for the console's events/s and bytes/s charts.
    createSink: (connector, topics) =>
      relayConsole.rates.wrap(connector, backends.createSink(connector, topics)),
    logger,
    metrics,
    scrubber,
    workerId: () => workerId,
    offsetFlushIntervalMs: config.offsetFlushIntervalMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    ...(config.exactlyOnce ? { exactlyOnce: { groupId: config.groupId } } : {}),
    internalTopics,
    connectorDefaults: config.connectorDefaults,
    configProviders: config.configProviders,
    overridePolicy: config.overridePolicy,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
  });
  try {
    await herder.start();
  } catch (error) {
    await backends.close();
    throw error;
  }
  relayConsole.attach(herder);
  const app = buildApp({
    herder,
    plugins,
    metrics,
    logger,
    server: { version: RELAY_VERSION, commit: gitCommit(), kafkaClusterId: backends.kafkaClusterId },
    security: config.restSecurity,
    console: relayConsole,
  });
  app.addHook('onListen', async () => {
    const address = app.server.address();
    if (typeof address === 'object' && address !== null) workerId = `${config.restHost}:${address.port}`;
  });
  let closing: Promise<void> | undefined;
  return {
    herder,
    app,
    config,
    logger,
    close() {
      closing ??= (async () => {
        await app.close();
        // task.shutdown.graceful.timeout.ms bounds the whole stop: the tasks stop in parallel, each within it,
        // and the Kafka clients get what is left of it (at least half a second), so a hung broker cannot keep
        // the process from exiting.
        const deadline = Date.now() + config.shutdownTimeoutMs;
        await herder.stop();
        const closed = await Promise.race([
          backends.close().then(() => true),
          sleep(Math.max(500, deadline - Date.now()), false, { ref: false }),
        ]);
        if (!closed)
          logger.error(
            { timeoutMs: config.shutdownTimeoutMs },
            'the Kafka clients did not close within task.shutdown.graceful.timeout.ms; stopping without them',
          );
        logger.info('relay stopped');
        logger.flush();
      })();
      return closing;
    },
  };
}

/** Starts the worker, then its REST API on the configured address, then creates the given connectors. */
export async function startRelay(options: StartRelayOptions = {}): Promise<RunningRelay> {
  const relay = await createRelay(options);
  const { app, config, logger, herder } = relay;
  try {
    await app.listen({ host: config.restHost, port: config.restPort });
    for (const connector of options.connectors ?? []) {
      const { created, changed } = await herder.putConfig(connector.name, connector.config);
      logger.info(
        { connector: connector.name },
        created
          ? 'connector created from file'
          : changed
            ? 'connector updated from file'
            : 'connector unchanged in file; left running',
      );
    }
  } catch (error) {
    await relay.close();
    throw error;
  }
  // The address actually bound (0.0.0.0 stays 0.0.0.0: it tells the operator every interface is open).
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.restPort;
  const host = typeof address === 'object' && address !== null ? address.address : config.restHost;
  const url = `${config.restScheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info(
    { url, tls: config.restScheme === 'https', basicAuth: config.restSecurity.credentials !== null },
    'REST API listening',
  );
  return { url, herder, app, config, close: relay.close };
}

function gitCommit(): string {
  if (process.env.OUTFLOW_COMMIT) return process.env.OUTFLOW_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', '--short=16', 'HEAD'], {
      cwd: import.meta.dirname,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}
