import { ConfigError, type ConfigProblem, type Logger, SECRET_MASK, type Sink } from '@outflow/relay-core';
import type { KafkaSinkOptions } from '@outflow/sink-kafka';
import { type ClusterView, ownerOf } from '../cluster/assignment.ts';
import type { StatusStore } from '../cluster/status-store.ts';
import { connectorNotFound, rebalanceInProgress, WorkerError } from '../errors.ts';
import type { RelayMetrics } from '../metrics.ts';
import type { PluginRegistry } from '../plugins.ts';
import { isSecret, maskConfig, type SecretScrubber } from '../secrets.ts';
import type { ConfigProviders } from './config-providers.ts';
import type { ConfigStore, StoredConnector, TargetState } from './config-store.ts';
import { ConnectorRunner, formatTrace, type TaskRunner, type TaskState } from './connector-runner.ts';
import {
  invalidConnectorConfig,
  type ValidatedConnectorConfig,
  validateConnectorConfig,
} from './framework-config.ts';
import { type OverridePolicy, producerOverrides } from './kafka-client-config.ts';
import { observeSends } from './observed-sink.ts';
import type { AdminOffsetStore, OffsetEntry } from './offsets.ts';
import { checkAgainstRelay } from './relay-checks.ts';

/** `GET /connectors/{name}`: the answer shape of Kafka Connect's `ConnectorInfo`. */
export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: { connector: string; task: number }[];
  type: 'source';
}

/** `GET /connectors/{name}/status`: Kafka Connect's `ConnectorStateInfo`. */
export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: { id: number; state: string; worker_id: string; trace?: string }[];
  type: 'source';
}

/**
 * How the sink creates missing topics (`topic.creation.default.*`; absent = the sink's defaults), and its
 * `transactional.id` when the task runs exactly-once.
 */
export interface SinkTopicOptions {
  topicPartitions?: number;
  topicReplicationFactor?: number;
  transactionalId?: string;
  /** The connector's `producer.override.*` security properties (prefix removed). */
  clientOverrides?: Record<string, string>;
}

/** How the herder runs tasks in threads of their own. */
export interface TaskThreadOptions {
  /** The options of a task's Kafka producer, built in its thread. */
  readonly sinkOptions: (connector: string, topics: SinkTopicOptions) => Omit<KafkaSinkOptions, 'logger'>;
  readonly logLevel: string;
  /** Writes one of a thread's log lines to the relay's log (secrets removed). */
  readonly writeLog: (line: string) => void;
  /** Records a thread's task delivered (the console's rates). */
  readonly onDelivered?: (connector: string, events: number, bytes: number) => void;
}

/** A relay cluster's view and shared statuses, when the herder is one worker of a cluster. */
export interface HerderCluster {
  readonly view: () => ClusterView;
  /** Connectors were created or deleted: the leader reassigns. */
  readonly requestRebalance: () => void;
  /** Waits (at most `timeoutMs`) for a rebalance in progress to end; false if it did not. */
  readonly joined: (timeoutMs: number) => Promise<boolean>;
  readonly statuses: StatusStore;
}

/** What the herder is built from. It owns none of them: the caller closes the stores after `stop()`. */
export interface HerderOptions {
  readonly plugins: PluginRegistry;
  readonly configStore: ConfigStore;
  readonly offsetStore: AdminOffsetStore;
  /** A producer-backed sink for one run of a connector's task. */
  readonly createSink: (connector: string, topics: SinkTopicOptions) => Sink;
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
  readonly scrubber: SecretScrubber;
  /** `host:port` of the REST API, shown as `worker_id` (a function: the port is known once listening). */
  readonly workerId: () => string;
  readonly offsetFlushIntervalMs: number;
  /** `task.shutdown.graceful.timeout.ms`: how long stopping one task may take (default 5000). */
  readonly shutdownTimeoutMs?: number;
  /**
   * `exactly.once.source.support=enabled`: tasks write records and offsets in one transaction with
   * `transactional.id` `<groupId>-<connector>-0`, where the offset store can (offsets in Kafka).
   */
  readonly exactlyOnce?: { readonly groupId: string };
  /** The worker's own topics (offsets): written by tasks' transactions but not among their topics. */
  readonly internalTopics?: ReadonlySet<string>;
  /**
   * `task.isolation=thread`: each task runs in a worker thread of its own, with a Kafka producer built there
   * from these options (the plugins are then the built-in ones). Absent: tasks run on the main thread.
   */
  readonly taskThreads?: TaskThreadOptions;
  /** Properties connectors inherit when they set none (the worker's converter settings). */
  readonly connectorDefaults?: Readonly<Record<string, string>>;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Resolves `${provider:path:key}` references when a task starts (none: values are taken as written). */
  readonly configProviders?: ConfigProviders;
  /** `connector.client.config.override.policy` (default `All`). */
  readonly overridePolicy?: OverridePolicy;
  /**
   * One worker of a relay cluster: runs only the connectors the group assigns it, sends writes to the leader
   * and task restarts to the task's worker (the REST API forwards them), shares statuses.
   */
  readonly cluster?: HerderCluster;
}

/** A validated configuration with its references resolved, and its producer overrides. */
type ResolvedConfig = ValidatedConnectorConfig & {
  readonly clientOverrides: Record<string, string>;
  /** What was validated: the worker's defaults and the configuration, references resolved. */
  readonly input: Readonly<Record<string, string>>;
};

interface Entry {
  /** As stored and shown: provider references unresolved. */
  config: Record<string, string>;
  validated: ResolvedConfig | undefined;
  /** Why a stored configuration no longer validates (connector FAILED). */
  invalid: string | undefined;
  target: TargetState;
  runner: TaskRunner | undefined;
  topics: Set<string>;
}

/**
 * The worker (Kafka Connect's "herder"): keeps connectors, validates their configuration before accepting
 * it, persists configurations and target states, and runs one task per started connector. Changes are
 * applied one at a time; reads never wait.
 */
export class Herder {
  readonly #o: HerderOptions;
  readonly #entries = new Map<string, Entry>();
  #queue: Promise<unknown> = Promise.resolve();
  /** The connectors this worker runs, in a cluster (standalone: null, every connector). */
  #assigned: Set<string> | null;
  #generation = 0;
  /** Set by `stop`: a late assignment (the group still leaving) starts nothing. */
  #stopped = false;

  constructor(options: HerderOptions) {
    this.#o = options;
    this.#assigned = options.cluster === undefined ? null : new Set();
  }

  /** In a cluster: the connectors the group assigned to this worker. */
  owned(): string[] {
    return [...(this.#assigned ?? [])].sort();
  }

  /**
   * Runs exactly `connectors` from now on (a cluster assignment): tasks of others stop, those kept keep
   * running, new ones start from the offsets stored in Kafka.
   */
  async assign(connectors: readonly string[], generation: number): Promise<void> {
    const changes = await this.#o.configStore.changes?.();
    await this.#serial(async () => {
      await this.#applyChanges(changes);
      this.#generation = generation;
      const next = new Set(connectors);
      const leaving = [...(this.#assigned ?? [])].filter((c) => !next.has(c));
      this.#assigned = next;
      await Promise.all(leaving.map((c) => this.#stopRunner(c)));
      for (const name of next) {
        const entry = this.#entries.get(name);
        if (entry !== undefined) await this.#apply(name, entry);
      }
    });
  }

  /** Stops these connectors' tasks: the group gives them to another worker. */
  async revoke(connectors: readonly string[]): Promise<void> {
    await this.#serial(async () => {
      for (const c of connectors) this.#assigned?.delete(c);
      await Promise.all(connectors.map((c) => this.#stopRunner(c)));
    });
  }

  /**
   * Writes this worker's task states again where the status topic says otherwise (a worker that lost a
   * task may have reported on it after the task moved here).
   */
  reassertStatuses(): void {
    const statuses = this.#o.cluster?.statuses;
    if (statuses === undefined) return;
    for (const [name, entry] of this.#entries) {
      const runner = entry.runner;
      if (runner === undefined || !this.#runsHere(name)) continue;
      const reported = statuses.task(name, 0);
      if (reported?.worker_id === this.#o.workerId() && reported.state === runner.state) continue;
      this.#publishTask(name, runner.state, runner.trace);
    }
  }

  /** Reads the other workers' configuration changes and applies them; returns the connectors, sorted. */
  async sync(): Promise<string[]> {
    // Read outside the queue: a hung Kafka must not hold up stopping the tasks.
    const changes = await this.#o.configStore.changes?.();
    return this.#serial(async () => {
      await this.#applyChanges(changes);
      return this.connectors();
    });
  }

  /** Loads the stored connectors and starts those whose target state is STARTED. */
  async start(): Promise<void> {
    await this.#serial(async () => {
      const loaded = await this.#o.configStore.load();
      // Its modules load while this worker joins its group and reads offsets, before the first task needs them.
      if (this.#o.taskThreads !== undefined && [...loaded.values()].some((c) => c.targetState === 'STARTED'))
        prewarmTaskThread();
      for (const [name, stored] of loaded) {
        const entry: Entry = {
          config: { ...stored.config },
          validated: undefined,
          invalid: undefined,
          target: stored.targetState,
          runner: undefined,
          topics: new Set(),
        };
        try {
          entry.validated = this.#validate(name, entry.config);
        } catch (error) {
          entry.invalid = formatTrace(error);
          this.#o.logger.error({ connector: name, err: error }, 'stored configuration is no longer valid');
        }
        this.#entries.set(name, entry);
        await this.#apply(name, entry);
      }
      // Stored before these checks existed: run as they are, but say what will go wrong.
      for (const [name, entry] of this.#entries)
        for (const problem of this.checkAgainstRelay(name, entry.config))
          this.#o.logger.warn({ connector: name, property: problem.property }, problem.message);
    });
  }

  /** Stops every task (offsets flushed, sinks closed). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#serial(async () => {
      await Promise.all([...this.#entries.values()].map((e) => e.runner?.stop()));
    });
  }

  /** `config` with its provider references resolved; a ConfigError names each one that cannot be. */
  resolveReferences(config: Readonly<Record<string, string>>): Record<string, string> {
    return this.#o.configProviders?.resolve(config) ?? { ...config };
  }

  /** Names of the connectors, sorted. */
  connectors(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** The connector's configuration (secrets masked), tasks and type. */
  info(name: string): ConnectorInfo {
    const entry = this.#get(name);
    return {
      name,
      config: this.config(name),
      tasks: entry.target === 'STOPPED' ? [] : [{ connector: name, task: 0 }],
      type: 'source',
    };
  }

  /** The configuration as stored, secrets masked. */
  config(name: string): Record<string, string> {
    const entry = this.#get(name);
    return maskConfig(entry.config, entry.validated?.plugin);
  }

  /**
   * Creates or replaces a connector's configuration after validating it whole. A secret sent back as the
   * mask (`********`) keeps its stored value, so a GET-edit-PUT round trip does not erase passwords.
   * `mustBeNew` makes an existing connector a 409 (`POST /connectors`). Re-applying the configuration a
   * valid connector already has is a no-op (`changed: false`): nothing is stored and its task keeps running,
   * as Connect restarts tasks only when their configuration changed.
   */
  async putConfig(
    name: string,
    config: Readonly<Record<string, string>>,
    options: { mustBeNew?: boolean; initialState?: TargetState } = {},
  ): Promise<{ created: boolean; changed: boolean; info: ConnectorInfo }> {
    await this.#writeHere();
    return this.#serial(async () => {
      const existing = this.#entries.get(name);
      if (existing !== undefined && options.mustBeNew)
        throw new WorkerError('CONNECTOR_EXISTS', `Connector ${name} already exists`);
      if (config.name !== undefined && config.name !== name)
        throw new WorkerError(
          'REQUEST_INVALID',
          `Connector name configuration (${config.name}) doesn't match connector name in the URL (${name})`,
        );
      const merged: Record<string, string> = { ...config, name: config.name ?? name };
      for (const [k, v] of Object.entries(merged)) {
        const stored = existing?.config[k];
        if (v === SECRET_MASK && stored !== undefined && isSecret(k, existing?.validated?.plugin))
          merged[k] = stored;
      }
      const relayProblems = this.checkAgainstRelay(name, merged);
      const className = merged['connector.class']?.trim();
      let validated: ResolvedConfig;
      try {
        validated = this.#validate(name, merged);
      } catch (error) {
        if (relayProblems.length === 0 || !(error instanceof WorkerError)) throw error;
        if (error.code !== 'CONNECTOR_CONFIG_INVALID') throw error;
        throw invalidConnectorConfig([...error.problems, ...relayProblems], className);
      }
      if (relayProblems.length > 0) throw invalidConnectorConfig(relayProblems, className);
      if (existing !== undefined && existing.invalid === undefined && sameConfig(existing.config, merged)) {
        this.#o.logger.info({ connector: name }, 'connector configuration unchanged; its task keeps running');
        return { created: false, changed: false, info: this.info(name) };
      }
      const target = existing?.target ?? options.initialState ?? 'STARTED';
      await this.#o.configStore.put(name, merged, target);
      await existing?.runner?.stop();
      const entry: Entry = {
        config: merged,
        validated,
        invalid: undefined,
        target,
        runner: undefined,
        topics: existing?.topics ?? new Set(),
      };
      this.#entries.set(name, entry);
      this.#o.logger.info(
        { connector: name, config: maskConfig(merged, validated.plugin) },
        existing === undefined ? 'connector created' : 'connector configuration updated',
      );
      await this.#apply(name, entry);
      if (existing === undefined) this.#o.cluster?.requestRebalance();
      return { created: existing === undefined, changed: true, info: this.info(name) };
    });
  }

  /**
   * What a configuration for connector `name` conflicts with in this relay (another connector's
   * `database.server.id`) or in its storage (too large to store); see `checkAgainstRelay`.
   */
  checkAgainstRelay(name: string, config: Readonly<Record<string, string>>): ConfigProblem[] {
    const others: [string, Readonly<Record<string, string>>][] = [];
    for (const [other, entry] of this.#entries) if (other !== name) others.push([other, entry.config]);
    return checkAgainstRelay(name, config, others, !this.#entries.has(name));
  }

  /** Deletes a connector: stops its task and forgets its configuration. Its offsets are kept. */
  async delete(name: string): Promise<void> {
    await this.#writeHere();
    await this.#serial(async () => {
      const entry = this.#get(name);
      await entry.runner?.stop();
      await this.#o.configStore.put(name, null, entry.target);
      this.#entries.delete(name);
      this.#o.metrics.remove(name);
      this.#o.cluster?.statuses.resetTopics(name);
      this.#o.cluster?.statuses.remove(name);
      this.#o.cluster?.requestRebalance();
      this.#o.logger.info({ connector: name }, 'connector deleted (offsets kept)');
    });
  }

  /**
   * The connector's and its task's states, with the failure trace (secrets removed) when FAILED. In a
   * cluster, a task run by another worker is reported as that worker wrote it to the status topic.
   */
  status(name: string): ConnectorStatus {
    const entry = this.#get(name);
    const task = this.#runsHere(name)
      ? {
          worker_id: this.#o.workerId(),
          state: entry.runner?.state ?? 'UNASSIGNED',
          trace: entry.runner?.trace,
        }
      : this.#reportedTask(name);
    const worker_id = task.worker_id;
    const connector =
      entry.invalid !== undefined
        ? { state: 'FAILED', worker_id, trace: this.#o.scrubber.scrub(entry.invalid) }
        : { state: connectorState(entry.target), worker_id };
    const tasks: ConnectorStatus['tasks'] = [];
    if (entry.target !== 'STOPPED') {
      const state = entry.target === 'PAUSED' ? 'PAUSED' : task.state;
      const trace = entry.target === 'PAUSED' ? undefined : task.trace;
      tasks.push(trace === undefined ? { id: 0, state, worker_id } : { id: 0, state, worker_id, trace });
    }
    return { name, connector, tasks, type: 'source' };
  }

  /**
   * The REST address of the worker the group gave the connector's task to, when that is another worker of
   * the cluster: it knows the task's state first hand, where the status topic may lag behind.
   */
  taskOwner(name: string): { readonly workerId: string; readonly url: string } | undefined {
    const cluster = this.#o.cluster;
    if (cluster === undefined || this.#runsHere(name)) return undefined;
    const owner = ownerOf(cluster.view(), name);
    return owner === undefined || owner.workerId === this.#o.workerId() ? undefined : owner;
  }

  /** Sets the target state (pause, resume or stop) and applies it; persisted across restarts. */
  async setTargetState(name: string, target: TargetState): Promise<void> {
    await this.#writeHere();
    await this.#serial(async () => {
      const entry = this.#get(name);
      if (entry.target === target) return;
      await this.#o.configStore.put(name, entry.config, target);
      entry.target = target;
      this.#o.logger.info({ connector: name, target }, 'target state changed');
      await this.#apply(name, entry);
    });
  }

  /**
   * Restarts a connector. Plain (`{}`): its task is restarted too, whatever its state (Connect would restart
   * only the connector instance, which in Outflow holds nothing). With `onlyFailed`, only a FAILED task is.
   * Returns the status with RESTARTING where a restart was made.
   */
  async restart(
    name: string,
    options: { includeTasks?: boolean; onlyFailed?: boolean } = {},
  ): Promise<ConnectorStatus> {
    await this.#taskHere(name);
    return this.#serial(async () => {
      const entry = this.#get(name);
      const before = this.status(name);
      const restartTask = options.onlyFailed ? before.tasks[0]?.state === 'FAILED' : true;
      const restartConnector = !options.onlyFailed || before.connector.state === 'FAILED';
      if (restartConnector && entry.invalid !== undefined) {
        try {
          entry.validated = this.#validate(name, entry.config);
          entry.invalid = undefined;
        } catch (error) {
          entry.invalid = formatTrace(error);
        }
      }
      if (restartTask || restartConnector) await this.#restartTask(name, entry);
      if (restartConnector) before.connector.state = 'RESTARTING';
      if (restartTask && (options.includeTasks || !options.onlyFailed))
        for (const t of before.tasks) t.state = 'RESTARTING';
      return before;
    });
  }

  /** Restarts task `id` (only task 0 exists while the connector is not stopped). */
  async restartTask(name: string, id: number): Promise<void> {
    await this.#taskHere(name);
    await this.#serial(async () => {
      const entry = this.#get(name);
      if (id !== 0 || entry.target === 'STOPPED')
        throw new WorkerError('TASK_NOT_FOUND', `Task ${name}-${id} not found`);
      await this.#restartTask(name, entry);
    });
  }

  /** The topics the connector produced to since it was created or its topics were reset. */
  topics(name: string): string[] {
    const local = this.#get(name).topics;
    const shared = this.#o.cluster?.statuses.topics(name) ?? [];
    return [...new Set([...local, ...shared])].sort();
  }

  resetTopics(name: string): void {
    this.#get(name).topics.clear();
    this.#o.cluster?.statuses.resetTopics(name);
  }

  /** The connector's stored offsets (Connect allows reading them in any state). */
  async offsets(name: string): Promise<OffsetEntry[]> {
    this.#get(name);
    return this.#o.offsetStore.list(name);
  }

  /** Deletes the connector's offsets; it must be STOPPED, as Connect requires. */
  async resetOffsets(name: string): Promise<void> {
    await this.#writeHere();
    await this.#serial(async () => {
      const entry = this.#get(name);
      if (entry.target !== 'STOPPED')
        throw new WorkerError(
          'CONNECTOR_NOT_STOPPED',
          "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/" +
            name +
            "/stop' endpoint",
        );
      await this.#o.offsetStore.delete(name);
      this.#o.logger.info({ connector: name }, 'offsets reset: the next start begins afresh');
    });
  }

  /** Resolves provider references, then validates the result (a reference that cannot resolve is a 400). */
  #validate(name: string, config: Record<string, string>): ResolvedConfig {
    const resolved = this.#o.configProviders?.resolve(config) ?? config;
    const { overrides, problems } = producerOverrides(resolved, this.#o.overridePolicy ?? 'All');
    if (problems.length > 0) throw new ConfigError(problems);
    const input = { ...this.#o.connectorDefaults, ...resolved };
    const validated = {
      ...validateConnectorConfig(input, this.#o.plugins),
      clientOverrides: overrides,
      input,
    };
    for (const warning of validated.warnings) this.#o.logger.warn({ connector: name }, warning);
    const tasksMax = validated.framework['tasks.max'];
    if (typeof tasksMax === 'number' && tasksMax > 1)
      this.#o.logger.info({ connector: name, tasksMax }, 'a CDC source reads one log: one task runs');
    if (validated.framework['exactly.once.support'] === 'required' && !this.#exactlyOnceAvailable())
      throw new ConfigError([
        {
          property: 'exactly.once.support',
          message:
            "'required', but this worker cannot run exactly-once: it needs exactly.once.source.support=enabled " +
            'and its offsets in Kafka (not offset.storage.file.filename)',
        },
      ]);
    return validated;
  }

  /** Whether tasks can write their offsets in their records' transactions. */
  #exactlyOnceAvailable(): boolean {
    return this.#o.exactlyOnce !== undefined && this.#o.offsetStore.setAtomically !== undefined;
  }

  #runsHere(name: string): boolean {
    return this.#assigned === null || this.#assigned.has(name);
  }

  /** In a cluster, only the leader writes configurations: anywhere else the request is forwarded to it. */
  async #writeHere(): Promise<void> {
    const cluster = this.#o.cluster;
    if (cluster === undefined) return;
    // A write that arrives during a rebalance waits for it rather than failing (Connect answers 409 at once).
    await cluster.joined(REBALANCE_WAIT_MS);
    const view = cluster.view();
    if (!view.joined || view.leaderUrl === '') throw rebalanceInProgress();
    if (!view.isLeader)
      throw new WorkerError('FORWARD', 'the leader handles configuration changes', {
        forwardTo: view.leaderUrl,
      });
  }

  /** A task is restarted by the worker running it: the request is forwarded there. */
  async #taskHere(name: string): Promise<void> {
    const cluster = this.#o.cluster;
    this.#get(name);
    if (cluster === undefined || this.#runsHere(name)) return;
    await cluster.joined(REBALANCE_WAIT_MS);
    if (this.#runsHere(name)) return;
    const owner = ownerOf(cluster.view(), name);
    if (owner === undefined) throw rebalanceInProgress();
    throw new WorkerError('FORWARD', "the task's worker restarts it", { forwardTo: owner.url });
  }

  /**
   * The task state another worker reported through the status topic; UNASSIGNED until the worker the
   * group gave the task to has reported (an older record may be its previous worker's).
   */
  #reportedTask(name: string): { worker_id: string; state: string; trace: string | undefined } {
    const cluster = this.#o.cluster!;
    const owner = ownerOf(cluster.view(), name);
    const reported = cluster.statuses.task(name, 0);
    const current = owner !== undefined && reported !== undefined && reported.worker_id === owner.workerId;
    return {
      worker_id: owner?.workerId ?? reported?.worker_id ?? this.#o.workerId(),
      state: current ? reported.state : 'UNASSIGNED',
      trace: current && reported.trace !== null ? reported.trace : undefined,
    };
  }

  /** Applies what other workers wrote to the config topic (caller holds the queue). */
  async #applyChanges(changes: ReadonlyMap<string, StoredConnector | null> | undefined): Promise<void> {
    for (const [name, read] of changes ?? []) {
      // Read outside the queue: a write of this worker may have come in between, and the store holds it.
      const current = this.#o.configStore.current?.(name);
      const stored = current === undefined ? read : current;
      const existing = this.#entries.get(name);
      if (stored === null) {
        if (existing === undefined) continue;
        await this.#stopRunner(name);
        this.#entries.delete(name);
        this.#o.metrics.remove(name);
        this.#o.logger.info({ connector: name }, 'connector deleted by another worker');
        continue;
      }
      const config = { ...stored.config };
      if (existing !== undefined && sameConfig(existing.config, config) && existing.invalid === undefined) {
        if (existing.target === stored.targetState) continue;
        existing.target = stored.targetState;
        this.#o.logger.info({ connector: name, target: stored.targetState }, 'target state changed');
        await this.#apply(name, existing);
        continue;
      }
      await this.#stopRunner(name);
      const entry: Entry = {
        config,
        validated: undefined,
        invalid: undefined,
        target: stored.targetState,
        runner: undefined,
        topics: existing?.topics ?? new Set(),
      };
      try {
        entry.validated = this.#validate(name, config);
      } catch (error) {
        entry.invalid = formatTrace(error);
        this.#o.logger.error({ connector: name, err: error }, 'stored configuration is not valid');
      }
      this.#entries.set(name, entry);
      this.#o.logger.info(
        { connector: name },
        existing === undefined ? 'connector created by another worker' : 'connector configuration updated',
      );
      await this.#apply(name, entry);
    }
  }

  async #stopRunner(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    await entry?.runner?.stop();
    if (entry !== undefined) entry.runner = undefined;
  }

  /** Shares a task's state with the cluster (standalone: nothing to share). */
  #publishTask(name: string, state: string, trace: string | undefined): void {
    // A task stopping because it moved must not overwrite what its new worker reports.
    if (!this.#runsHere(name)) return;
    this.#o.cluster?.statuses.putTask(name, 0, {
      state,
      trace: trace ?? null,
      worker_id: this.#o.workerId(),
      generation: this.#generation,
    });
  }

  async #restartTask(name: string, entry: Entry): Promise<void> {
    await entry.runner?.stop();
    entry.runner = undefined;
    await this.#apply(name, entry);
  }

  /** Brings the running task in line with the target state. */
  async #apply(name: string, entry: Entry): Promise<void> {
    if (!this.#runsHere(name) || this.#stopped) {
      await entry.runner?.stop();
      entry.runner = undefined;
      return;
    }
    const metrics = this.#o.metrics.forConnector(name);
    if (entry.target !== 'STARTED' || entry.validated === undefined) {
      await entry.runner?.stop();
      entry.runner = undefined;
      const state = entry.invalid !== undefined ? 'FAILED' : connectorState(entry.target);
      metrics.setState(state);
      if (entry.target !== 'STOPPED')
        this.#publishTask(name, state === 'RUNNING' ? 'UNASSIGNED' : state, entry.invalid);
      return;
    }
    const providers = this.#o.configProviders;
    if (entry.runner === undefined && Object.values(entry.config).some((v) => providers?.references(v))) {
      try {
        // A task starts with its references resolved afresh (a rotated password file is read again).
        entry.validated = this.#validate(name, entry.config);
        entry.invalid = undefined;
      } catch (error) {
        entry.invalid = formatTrace(error);
        this.#o.logger.error(
          { connector: name, err: error },
          'configuration cannot be resolved; task not started',
        );
        metrics.setState('FAILED');
        return;
      }
    }
    if (entry.runner === undefined) {
      const validated = entry.validated;
      const f = validated.framework;
      const topics: SinkTopicOptions = { clientOverrides: validated.clientOverrides };
      const partitions = f['topic.creation.default.partitions'];
      const replication = f['topic.creation.default.replication.factor'];
      if (typeof partitions === 'number') topics.topicPartitions = partitions;
      if (typeof replication === 'number') topics.topicReplicationFactor = replication;
      if (this.#exactlyOnceAvailable()) topics.transactionalId = `${this.#o.exactlyOnce!.groupId}-${name}-0`;
      const internal = this.#o.internalTopics ?? new Set<string>();
      const onTopic = (topic: string): void => {
        if (internal.has(topic) || entry.topics.has(topic)) return;
        entry.topics.add(topic);
        this.#o.cluster?.statuses.putTopic(name, topic);
      };
      const common = {
        offsetStore: this.#o.offsetStore,
        logger: this.#o.logger.child({ connector: name, task: 0 }),
        metrics,
        scrub: (text: string) => this.#o.scrubber.scrub(text),
        onStateChange: (state: TaskState, trace: string | undefined) => this.#publishTask(name, state, trace),
      };
      const threads = this.#o.taskThreads;
      entry.runner =
        threads !== undefined
          ? new (await loadThreadedRunner()).ThreadedConnectorRunner({
              ...common,
              data: {
                connector: name,
                config: validated.input,
                sink: threads.sinkOptions(name, topics),
                internalTopics: [...internal],
                offsetFlushIntervalMs: this.#o.offsetFlushIntervalMs,
                shutdownTimeoutMs: this.#o.shutdownTimeoutMs,
                backoff: this.#o.backoff,
                logLevel: threads.logLevel,
                offsetStore: {
                  atomically: this.#o.offsetStore.setAtomically !== undefined,
                  refresh: this.#o.offsetStore.refresh !== undefined,
                },
              },
              writeLog: threads.writeLog,
              onDelivered: (events, bytes) => threads.onDelivered?.(name, events, bytes),
              onTopic,
            })
          : new ConnectorRunner({
              ...common,
              config: validated,
              createSink: () =>
                observeSends(this.#o.createSink(name, topics), (records) => {
                  for (const r of records) onTopic(r.topic);
                }),
              offsetFlushIntervalMs: this.#o.offsetFlushIntervalMs,
              ...(this.#o.shutdownTimeoutMs === undefined
                ? {}
                : { shutdownTimeoutMs: this.#o.shutdownTimeoutMs }),
              ...(this.#o.backoff === undefined ? {} : { backoff: this.#o.backoff }),
            });
    }
    entry.runner.start();
  }

  #get(name: string): Entry {
    const entry = this.#entries.get(name);
    if (entry === undefined) throw connectorNotFound(name);
    return entry;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/** The threaded runner's module, loaded when a task first needs a thread: a relay without tasks never does. */
function loadThreadedRunner(): Promise<typeof import('./threaded-runner.ts')> {
  return import('./threaded-runner.ts');
}

/** Starts a spare task thread (`prewarmTaskThread` of threaded-runner.ts), loading its module first. */
export function prewarmTaskThread(): void {
  void loadThreadedRunner().then(
    (m) => m.prewarmTaskThread(),
    () => {},
  );
}

/** How long a write waits for a rebalance in progress before it is answered 409. */
const REBALANCE_WAIT_MS = 10_000;

function sameConfig(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function connectorState(target: TargetState): string {
  return target === 'STARTED' ? 'RUNNING' : target;
}
