import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sink } from '@outflow/relay-core';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { ClusterBackends } from './backends.ts';
import { StatusStore } from './cluster/status-store.ts';
import { WorkerGroup } from './cluster/worker-group.ts';
import { RelayConsole } from './console/console.ts';
import { WorkerError } from './errors.ts';
import { createRelayLogger } from './logging.ts';
import { RelayMetrics } from './metrics.ts';
import type { PluginRegistry } from './plugins.ts';
import { buildApp } from './rest/app.ts';
import { forward } from './rest/forward.ts';
import { SecretScrubber } from './secrets.ts';
import { RELAY_VERSION } from './version.ts';
import type { ConfigStore } from './worker/config-store.ts';
import { Herder, prewarmTaskThread, type SinkTopicOptions, type TaskThreadOptions } from './worker/herder.ts';
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

/** A created relay with its membership of its cluster (undefined when it runs alone). */
type CreatedWorker = CreatedRelay & { readonly group: WorkerGroup | undefined };

/** Builds the worker and its REST API and starts the stored connectors, without listening. */
export function createRelay(options: StartRelayOptions = {}): Promise<CreatedRelay> {
  return createWorker(options);
}

async function createWorker(options: StartRelayOptions): Promise<CreatedWorker> {
  const config = loadWorkerConfig(options.workerProperties ?? {}, options.env ?? process.env);
  const scrubber = new SecretScrubber();
  const logger = createRelayLogger({
    level: config.logLevel,
    scrubber,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  for (const warning of config.warnings) logger.warn(warning);
  // A task thread runs the built-in plugins and builds its own Kafka producer: with plugins of the caller's, or
  // backends that give no sink options (functions a thread cannot be handed), tasks stay on the main thread.
  const threadsWanted = config.taskIsolation === 'thread' && options.plugins === undefined;
  // Connectors given at start: a task thread loads its modules (~200 ms) while this thread loads the rest,
  // connects to Kafka, reads its topics and joins, not after. The built-in backends give sink options; with the
  // caller's, that is known only below, and the herder prewarms for their stored connectors instead.
  if (threadsWanted && options.backends === undefined && (options.connectors?.length ?? 0) > 0)
    prewarmTaskThread();
  if (config.pluginPath !== null)
    logger.info({ pluginPath: config.pluginPath }, 'plugin.path is ignored: Outflow plugins are built in');
  const plugins = options.plugins ?? (await import('./default-plugins.ts')).defaultPlugins();
  const backends: ClusterBackends = options.backends
    ? await options.backends(config, logger)
    : await (await import('./backends.ts')).createBackends(config, logger);
  const metrics = new RelayMetrics();
  const internalTopics = new Set([config.offsetStorageTopic, config.configStorageTopic]);
  const relayConsole = new RelayConsole({
    kafka: { bootstrapServers: config.bootstrapServers, ...config.clientProperties },
    internalTopics,
    logger,
  });
  let workerId = `${advertisedHost(config)}:${config.advertised.port ?? config.restPort}`;
  let url = `${config.advertised.scheme ?? config.restScheme}://${workerId}`;
  let statuses: StatusStore | undefined;
  let group: WorkerGroup | undefined;
  if (backends.cluster !== undefined) {
    statuses = new StatusStore(
      backends.cluster.statuses,
      backends.cluster.statusWriter,
      logger.child({ store: 'statuses' }),
    );
    try {
      await statuses.start();
    } catch (error) {
      await backends.close();
      throw error;
    }
  }
  const threadLog = scrubber.stream(options.logDestination ?? process.stdout);
  const taskThreads: TaskThreadOptions | undefined =
    threadsWanted && backends.sinkOptions !== undefined
      ? {
          sinkOptions: backends.sinkOptions,
          logLevel: config.logLevel,
          writeLog: (line) => threadLog.write(line),
          onDelivered: (connector, events, bytes) => relayConsole.rates.add(connector, events, bytes),
        }
      : undefined;
  const herder: Herder = new Herder({
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
    ...(taskThreads === undefined ? {} : { taskThreads }),
    connectorDefaults: config.connectorDefaults,
    configProviders: config.configProviders,
    overridePolicy: config.overridePolicy,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    ...(statuses === undefined
      ? {}
      : {
          cluster: {
            view: () => group!.view,
            requestRebalance: () => group?.requestRebalance(),
            joined: (timeoutMs: number) => group?.joined(timeoutMs) ?? Promise.resolve(true),
            statuses,
          },
        }),
  });
  try {
    await herder.start();
  } catch (error) {
    await backends.close();
    throw error;
  }
  relayConsole.attach(herder);
  if (backends.cluster !== undefined)
    group = new WorkerGroup({
      client: backends.cluster.group,
      worker: {
        owned: () => herder.owned(),
        connectors: () => herder.sync(),
        revoke: (connectors) => herder.revoke(connectors),
        assign: (connectors, generation) => herder.assign(connectors, generation),
      },
      workerId: () => workerId,
      url: () => url,
      configTopic: config.configStorageTopic,
      groupId: config.groupId,
      ...config.group,
      logger: logger.child({ component: 'group' }),
    });
  const app = buildApp({
    herder,
    plugins,
    metrics,
    logger,
    server: { version: RELAY_VERSION, commit: gitCommit(), kafkaClusterId: backends.kafkaClusterId },
    security: config.restSecurity,
    ...(group === undefined ? {} : { cluster: { view: () => group!.view, workerId: () => workerId } }),
    console: relayConsole,
  });
  app.addHook('onListen', async () => {
    const address = app.server.address();
    if (typeof address === 'object' && address !== null) {
      workerId = `${advertisedHost(config)}:${config.advertised.port ?? address.port}`;
      url = `${config.advertised.scheme ?? config.restScheme}://${workerId}`;
    }
  });
  // Other workers' changes (configs, target states) and statuses, followed while the relay runs.
  const follow = new AbortController();
  const following =
    group === undefined ? Promise.resolve() : followCluster(herder, statuses!, follow.signal, logger);
  let closing: Promise<void> | undefined;
  return {
    herder,
    app,
    config,
    logger,
    group,
    close() {
      closing ??= (async () => {
        // task.shutdown.graceful.timeout.ms bounds the whole stop: the tasks stop in parallel, each within it,
        // and the Kafka clients get what is left of it (at least half a second), so a hung broker cannot keep
        // the process from exiting.
        const deadline = Date.now() + config.shutdownTimeoutMs;
        await app.close();
        follow.abort();
        // Leaving the group first hands the connectors over at once (a hung Kafka: the session expires).
        await Promise.race([
          Promise.all([following, group?.close()]),
          sleep(Math.max(500, (deadline - Date.now()) / 2), undefined, { ref: false }),
        ]);
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
  const relay = await createWorker(options);
  const { app, config, logger, herder, group } = relay;
  try {
    await app.listen({ host: config.restHost, port: config.restPort });
    await group?.start();
    for (const connector of options.connectors ?? []) {
      const { created, changed } = await putFromFile(relay, connector);
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

/** Creates or updates a connector given on the command line; in a cluster, through the leader. */
async function putFromFile(
  relay: CreatedWorker,
  connector: ConnectorDefinition,
): Promise<{ created: boolean; changed: boolean }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await relay.herder.putConfig(connector.name, connector.config);
    } catch (error) {
      if (!(error instanceof WorkerError) || attempt >= 50) throw error;
      if (error.code === 'REBALANCE_IN_PROGRESS') {
        await sleep(200);
        continue;
      }
      if (error.code !== 'FORWARD' || error.forwardTo === undefined) throw error;
      const credentials = relay.config.restSecurity.credentials;
      const first = credentials === null ? undefined : [...credentials][0];
      const answer = await forward(
        {
          method: 'PUT',
          url: `/connectors/${encodeURIComponent(connector.name)}/config`,
          body: connector.config,
          headers:
            first === undefined
              ? {}
              : { authorization: `Basic ${Buffer.from(`${first[0]}:${first[1]}`).toString('base64')}` },
        },
        error.forwardTo,
        relay.group?.view.memberId ?? 'relay',
        relay.config.restSecurity,
      );
      if (answer.status === 409) {
        await sleep(200);
        continue;
      }
      if (answer.status >= 300) {
        const message = (JSON.parse(answer.body.toString('utf8')) as { message?: string }).message;
        throw new WorkerError(
          answer.status === 400 ? 'CONNECTOR_CONFIG_INVALID' : 'REQUEST_INVALID',
          message ?? '',
        );
      }
      await relay.herder.sync();
      return { created: answer.status === 201, changed: true };
    }
  }
}

const SLOW_FOLLOW_MS = 5000;

/**
 * Reads other workers' config changes, and the statuses, every 250 ms until `signal` aborts: two loops, so that
 * a config read held up (the herder busy stopping a task) does not delay the statuses, nor the reverse.
 */
async function followCluster(
  herder: Herder,
  statuses: StatusStore,
  signal: AbortSignal,
  logger: PinoLogger,
): Promise<void> {
  const follow = async (what: string, step: () => Promise<void>) => {
    let failing = false;
    while (!signal.aborted) {
      const started = performance.now();
      try {
        await step();
        const ms = Math.round(performance.now() - started);
        // Every worker's answers about the others lag by this much: worth a line when it is long.
        if (ms > SLOW_FOLLOW_MS) logger.warn({ ms }, `reading the ${what} topic took ${ms} ms`);
        if (failing) logger.info(`reading the ${what} topic again`);
        failing = false;
      } catch (error) {
        if (!failing) logger.warn({ err: error }, `could not read the ${what} topic; retrying`);
        failing = true;
      }
      await sleep(250, undefined, { signal }).catch(() => undefined);
    }
  };
  await Promise.all([
    follow('config', async () => {
      await herder.sync();
    }),
    follow('status', async () => {
      await statuses.catchUp();
      herder.reassertStatuses();
    }),
  ]);
}

function advertisedHost(config: WorkerConfig): string {
  const host =
    config.advertised.host ??
    (config.restHost === '0.0.0.0' || config.restHost === '::' ? hostname() : config.restHost);
  return host.includes(':') ? `[${host}]` : host;
}

/** The commit the bundled CLI was built from, set by `build-cli.ts`; undeclared anywhere else. */
declare const OUTFLOW_BUILD_COMMIT: string | undefined;

function gitCommit(): string {
  if (process.env.OUTFLOW_COMMIT) return process.env.OUTFLOW_COMMIT;
  // Not `git rev-parse` in an installed package: that would name the commit of the project it is installed in.
  if (typeof OUTFLOW_BUILD_COMMIT === 'string') return OUTFLOW_BUILD_COMMIT;
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
