import {
  gapMessage,
  type Logger,
  type LostPosition,
  planStart,
  positionLostError,
  RecordQueue,
  RelayError,
  type SourceBacklog,
  type SourcePending,
  SourcePoller,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
  sourceTimestamp,
} from '@outflow/relay-core';
import type mysql from 'mysql2/promise';
import type { MySqlSourceConfig } from './config.ts';
import { toRelayError } from './errors.ts';
import { CaptureFilter } from './filters.ts';
import {
  type BinlogOffset,
  describePosition,
  parseStoredOffset,
  positionOffset,
  toSourceOffset,
} from './offsets.ts';
import { kafkaHistoryStorage, noHistoryStorage, SchemaHistory } from './schema-history.ts';
import {
  type BinlogPosition,
  binaryLogs,
  binlogDistance,
  checkServer,
  currentPosition,
  isPositionAvailable,
  logEnd,
  openConnection,
  type ServerInfo,
} from './server.ts';
import { runSchemaSnapshot, runSnapshot } from './snapshot.ts';
import { BinlogStreamer } from './streaming.ts';
import { TableSchemaCache } from './table-schema.ts';

/**
 * The MySQL/MariaDB source task: relay-core's start plan decides from the stored offset, `snapshot.mode` and
 * the server's binlogs whether to snapshot, stream or fail; then it streams the binlog; relay-core's
 * `SourcePoller` hands out queued records (and heartbeats when idle).
 *
 * Offsets: source partition `{server: <topic.prefix>}`, offset as in offsets.ts. The task needs no `commit`:
 * the binlog is not acknowledged.
 */
export class MySqlSourceTask implements SourceTask {
  readonly #config: MySqlSourceConfig;
  #logger: Logger;
  #skipDeletes = false;
  readonly #queue: RecordQueue;
  readonly #filter: CaptureFilter;
  readonly #abort = new AbortController();
  #control: mysql.Connection | null = null;
  #snapshotConn: mysql.Connection | null = null;
  #streamer: BinlogStreamer | null = null;
  #history: SchemaHistory | null = null;
  readonly #poller: SourcePoller;
  #snapshotDone: Promise<void> = Promise.resolve();
  #starting: Promise<void> = Promise.resolve();

  constructor(config: MySqlSourceConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#queue = new RecordQueue(config.maxQueueSize);
    this.#filter = new CaptureFilter(config);
    this.#poller = new SourcePoller({
      queue: this.#queue,
      maxBatchSize: config.maxBatchSize,
      pollIntervalMs: config.pollIntervalMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      heartbeatTopicsPrefix: config.heartbeatTopicsPrefix,
      serverName: config.topicPrefix,
      partition: this.partition,
      position: () => {
        const position = this.#streamer?.position ?? null;
        return position === null ? null : { key: position.key, offset: toSourceOffset(position.offset) };
      },
    });
  }

  /** The source partition of every record: `{server: <topic.prefix>}`. */
  get partition(): Record<string, unknown> {
    return { server: this.#config.topicPrefix };
  }

  /** Records read from the database and not yet handed out by `poll`: at most about `max.queue.size`. */
  get queuedRecords(): number {
    return this.#queue.size;
  }

  /**
   * Takes the start position and starts the snapshot or the binlog stream in the background. A `stop`
   * during `start` makes it return early, opening nothing more.
   */
  async start(context: SourceTaskContext): Promise<void> {
    // Driver errors become RelayErrors (a lost connection retriable), so the task loop can decide.
    this.#starting = this.#start(context).catch((error: unknown) => {
      throw toRelayError(error, 'starting the source');
    });
    await this.#starting;
  }

  async #start(context: SourceTaskContext): Promise<void> {
    this.#logger = context.logger;
    this.#skipDeletes = context.skipDeletes === true;
    const stopped = this.#abort.signal;
    const stored = parseStoredOffset(await context.offset(this.partition));
    if (stopped.aborted) return;
    const control = await openConnection(this.#config);
    this.#control = control;
    if (stopped.aborted) return;
    let info: ServerInfo;
    try {
      info = await checkServer(control);
    } catch (error) {
      throw toRelayError(error, 'checking the server');
    }
    if (stopped.aborted) return;
    const cache = new TableSchemaCache({
      topicPrefix: this.#config.topicPrefix,
      connector: this.#config.connector,
      mariadb: info.mariadb,
      filter: this.#filter,
      modes: this.#config,
    });
    const kafka = this.#config.schemaHistoryKafka;
    const history = new SchemaHistory({
      storage:
        kafka === null
          ? noHistoryStorage()
          : kafkaHistoryStorage({ ...kafka, connector: context.connector, logger: this.#logger }),
      filter: this.#filter,
      scope: this.#config,
      logger: this.#logger,
    });
    this.#history = history;
    if (stored !== null && !stored.snapshot) {
      // The definitions in force at the stored offset, which information_schema no longer shows once a
      // table was altered after it.
      const applied = await history.recover(cache, stored);
      if (stopped.aborted) return;
      if (kafka !== null && applied === 0)
        this.#logger.warn(
          { topic: kafka.topic },
          'the schema history holds nothing for the stored offset: table definitions are read from information_schema',
        );
      else if (applied > 0)
        this.#logger.info({ records: applied }, 'table definitions recovered from the schema history');
    }
    const mode = this.#config.snapshotMode;
    const logs = stored !== null && !stored.snapshot ? await binaryLogs(control) : [];
    const plan = planStart({
      mode,
      stored: stored === null ? 'none' : stored.snapshot ? 'snapshot-incomplete' : 'complete',
      positionAvailable: stored !== null && isPositionAvailable(logs, stored.file),
    });
    const lost = (): LostPosition => ({
      connector: context.connector,
      what: 'binlog position',
      stored: stored === null ? 'none' : describePosition(stored),
      oldest: logs[0] === undefined ? null : `${logs[0].name}:4`,
      reason: 'the binlog file holding it was purged',
    });
    if (stopped.aborted) return;
    switch (plan.kind) {
      case 'lost':
        throw positionLostError(lost());
      case 'idle':
        this.#logger.info({}, 'snapshot.mode=initial_only: the snapshot is complete; not streaming');
        return;
      case 'stream': {
        if (plan.from === 'stored' && stored !== null) {
          this.#startStreaming(info, cache, history, stored);
          return;
        }
        const from = this.#boundary(await currentPosition(control, info), info);
        if (stopped.aborted) return;
        // In the background like a snapshot: its records wait in the queue for the first polls.
        this.#snapshotDone = runSchemaSnapshot({
          conn: control,
          config: this.#config,
          filter: this.#filter,
          cache,
          history,
          sink: this.#queue,
          signal: stopped,
          from,
        })
          .then(() => this.#startStreaming(info, cache, history, from))
          .catch((error: unknown) => {
            if (!this.#abort.signal.aborted) this.#queue.fail(toRelayError(error, 'schema snapshot failed'));
          });
        return;
      }
      case 'snapshot':
        if (plan.gap) this.#logger.error({ ...lost(), gap: true }, gapMessage(lost()));
        break;
    }
    const snapshotConn = await openConnection(this.#config);
    this.#snapshotConn = snapshotConn;
    if (stopped.aborted) return;
    this.#snapshotDone = runSnapshot({
      conn: snapshotConn,
      info,
      config: this.#config,
      filter: this.#filter,
      cache,
      history,
      sink: this.#queue,
      logger: this.#logger,
      signal: this.#abort.signal,
    })
      .then((position) => {
        void snapshotConn.end().catch(() => {});
        this.#snapshotConn = null;
        if (this.#abort.signal.aborted) return;
        if (!plan.stream) {
          this.#logger.info({}, 'snapshot.mode=initial_only: not streaming');
          return;
        }
        this.#startStreaming(info, cache, history, this.#boundary(position, info));
      })
      .catch((error: unknown) => {
        if (!this.#abort.signal.aborted) this.#queue.fail(toRelayError(error, 'snapshot failed'));
      });
  }

  #boundary(position: BinlogPosition, info: ServerInfo): BinlogOffset {
    return positionOffset({
      file: position.file,
      pos: position.pos,
      ...(position.gtids === undefined ? {} : { gtids: position.gtids }),
      tsSec: Math.floor(Date.now() / 1000),
      serverId: info.serverId,
    });
  }

  #startStreaming(
    info: ServerInfo,
    cache: TableSchemaCache,
    history: SchemaHistory,
    from: BinlogOffset,
  ): void {
    if (this.#control === null || this.#abort.signal.aborted) return;
    const streamer = new BinlogStreamer({
      config: this.#config,
      info,
      conn: this.#control,
      filter: this.#filter,
      cache,
      history,
      queue: this.#queue,
      logger: this.#logger,
      from,
      skipDeletes: this.#skipDeletes,
    });
    this.#streamer = streamer;
    streamer.start();
  }

  poll(signal: AbortSignal): Promise<SourceRecord[]> {
    return this.#poller.poll(signal);
  }

  pending(): SourcePending {
    const first = this.#queue.peek();
    const ts = first === undefined ? undefined : sourceTimestamp(first);
    return { records: this.#queue.size, ...(ts === undefined ? {} : { oldestSourceTsMs: ts }) };
  }

  /** Binlog bytes between the streamer's position and the server's end (`SHOW MASTER STATUS`). */
  async backlog(): Promise<SourceBacklog | undefined> {
    const conn = this.#control;
    const at = this.#streamer?.position?.offset;
    if (conn === null || at === undefined) return undefined;
    const end = await logEnd(conn);
    return { bytes: binlogDistance(await binaryLogs(conn), at, end), exact: true };
  }

  /**
   * Stops the task at whatever stage it is (starting, snapshotting, streaming, reconnecting) and closes its
   * connections. Never rejects; errors the drivers raise while closing are dropped.
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#queue.fail(new RelayError('SOURCE_UNAVAILABLE', 'the task was stopped'));
    // A start in progress returns at its next step; what it opened is closed below.
    await this.#starting.catch(() => undefined);
    await this.#streamer?.stop();
    this.#streamer = null;
    await this.#snapshotDone;
    for (const conn of [this.#snapshotConn, this.#control]) {
      if (conn === null) continue;
      try {
        await conn.end();
      } catch {
        conn.destroy();
      }
    }
    this.#snapshotConn = null;
    this.#control = null;
    // Everything it wrote was acknowledged when written: a failure to close loses nothing.
    await this.#history?.close().catch(() => undefined);
    this.#history = null;
  }
}
