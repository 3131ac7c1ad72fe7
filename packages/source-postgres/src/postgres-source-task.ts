import {
  heartbeatRecord,
  type Logger,
  RecordQueue,
  RelayError,
  type SourceOffset,
  type SourcePartition,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
} from '@outflow/relay-core';
import type pg from 'pg';
import type { PostgresSourceConfig } from './config.ts';
import type { Lsn, ReplicationMessage } from './decoder/copy-data.ts';
import { decodePgOutput } from './decoder/pgoutput.ts';
import { TableFilter } from './filters.ts';
import {
  confirmableLsn,
  heartbeatOffset,
  isSnapshotIncomplete,
  type PgOffset,
  parseOffset,
  sourcePartition,
} from './offsets.ts';
import { connectSource } from './replication/connection.ts';
import { ensurePublication, listCapturedTables } from './replication/publication.ts';
import {
  checkSlotUsable,
  createSlot,
  dropSlot,
  isSlotExistsError,
  isSlotInUseError,
  readSlot,
  type SlotState,
} from './replication/slot.ts';
import { ReplicationStream } from './replication/stream.ts';
import { checkReplicationPrivilege, checkWalLevel, toRelayError } from './server-checks.ts';
import { runSnapshot } from './snapshot.ts';
import { ChangeStreamer } from './streaming.ts';
import { readCatalogTable } from './tables.ts';

/** Pending inbound messages beyond which the socket is paused while they are processed. */
const INBOUND_HIGH_WATER = 1000;

/**
 * The PostgreSQL source task: checks the server, keeps the publication in shape, owns the replication slot
 * (creating it, snapshotting under its exported snapshot when asked), streams pgoutput changes into a
 * bounded queue that `poll` drains, and confirms the slot only in `commit`. When another process holds the
 * slot the task waits as a standby, polling the slot, and takes over once it is free.
 */
export class PostgresSourceTask implements SourceTask {
  readonly #config: PostgresSourceConfig;
  readonly #logger: Logger;
  readonly #partition: SourcePartition;
  readonly #queue: RecordQueue;
  readonly #stopping = new AbortController();
  #context: SourceTaskContext | null = null;
  #meta: pg.Client | null = null;
  #stream: ReplicationStream | null = null;
  #streamer: ChangeStreamer | null = null;
  #runner: Promise<void> | null = null;
  #standby = false;
  #delivered: Lsn | null = null;
  #inbound: ReplicationMessage[] = [];
  #draining = false;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #heartbeatDue = false;
  /** Resolves once the task holds its position (the slot exists and is this task's) or waits as a standby. */
  readonly #positioned = Promise.withResolvers<void>();

  constructor(config: PostgresSourceConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger.child({ connector: 'postgresql', slot: config.slotName });
    this.#partition = sourcePartition(config.topicPrefix);
    this.#queue = new RecordQueue(config.maxQueueSize);
    this.#queue.onDrained = () => this.#maybeResume();
  }

  /** True while another process holds the slot and this task waits to take over. */
  isStandby(): boolean {
    return this.#standby;
  }

  async start(context: SourceTaskContext): Promise<void> {
    this.#context = context;
    const config = this.#config;
    try {
      this.#meta = await connectSource(config, { applicationName: 'outflow-metadata' });
      await checkWalLevel(this.#meta);
      await checkReplicationPrivilege(this.#meta, config.user);
      const tables = await listCapturedTables(this.#meta, new TableFilter(config.filter));
      const outcome = await ensurePublication(this.#meta, {
        name: config.publicationName,
        mode: config.publicationAutocreateMode,
        tables,
      });
      if (outcome !== 'exists')
        this.#logger.info({ publication: config.publicationName }, `publication ${outcome}`);
    } catch (error) {
      throw toRelayError(error, `PostgreSQL ${config.host}:${config.port}/${config.database}`);
    }
    if (!config.skippedOperations.has('t'))
      this.#logger.warn({}, 'truncate events are not emitted by Outflow');
    this.#positioned.promise.catch(() => {});
    this.#runner = this.#run().then(
      () => this.#positioned.resolve(),
      (error: unknown) => {
        const failure = toRelayError(error, 'PostgreSQL replication');
        if (!this.#stopping.signal.aborted) this.#queue.fail(failure);
        this.#positioned.reject(failure);
      },
    );
    if (config.heartbeatIntervalMs > 0) {
      this.#heartbeatTimer = setInterval(() => void this.#heartbeat(), config.heartbeatIntervalMs);
      this.#heartbeatTimer.unref();
    }
    // Return only once the position is taken: a caller that writes after `start` resolved (the relay reports
    // the task RUNNING then) must find its change in the slot, which a first start creates here. A snapshot
    // runs after that, fed to `poll`; a standby returns at once. A failure before then fails `start`.
    await this.#positioned.promise;
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    return this.#queue.take(this.#config.maxBatchSize, this.#config.pollIntervalMs, signal);
  }

  /** Confirms the slot up to what `offset` covers (called once Kafka acknowledged it and it is stored). */
  async commit(partition: SourcePartition, offset: SourceOffset): Promise<void> {
    if (partition.server !== this.#config.topicPrefix) return;
    const parsed = parseOffset(offset);
    const lsn = parsed === null ? null : confirmableLsn(parsed);
    if (lsn === null) return;
    if (this.#delivered === null || lsn > this.#delivered) this.#delivered = lsn;
    this.#stream?.confirm(lsn);
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    if (this.#heartbeatTimer !== null) clearInterval(this.#heartbeatTimer);
    this.#queue.close();
    await this.#stream?.stop();
    await this.#runner?.catch(() => {});
    if (this.#config.dropSlotOnStop && this.#meta !== null && !this.#standby) {
      // The server releases the slot shortly after the replication connection closes.
      for (let attempt = 0; attempt < 20; attempt++) {
        const dropped = await dropSlot(this.#meta, this.#config.slotName).catch((error: unknown) => {
          this.#logger.warn({ err: error }, 'could not drop the replication slot');
          return true;
        });
        if (dropped || (await readSlot(this.#meta, this.#config.slotName).catch(() => null)) === null) break;
        await sleep(100, AbortSignal.timeout(1000));
      }
    }
    await this.#meta?.end().catch(() => {});
  }

  /** Acquires the slot (waiting as a standby while it is held), snapshots when needed, then streams. */
  async #run(): Promise<void> {
    const config = this.#config;
    const signal = this.#stopping.signal;
    let announcedPid: number | null = null;
    while (!signal.aborted) {
      const stored = parseOffset(await this.#context!.offset(this.#partition));
      const slot = await readSlot(this.#meta!, config.slotName);
      if (slot?.active) {
        this.#standby = true;
        this.#positioned.resolve();
        if (announcedPid !== slot.activePid) {
          announcedPid = slot.activePid;
          this.#logger.info(
            { pid: slot.activePid },
            `slot ${config.slotName} is held by pid ${slot.activePid}; waiting as a standby`,
          );
        }
        await sleep(config.standbyPollIntervalMs, signal);
        continue;
      }
      if (slot !== null) {
        checkSlotUsable(slot, config.database);
        this.#positioned.resolve();
      }
      const replication = await connectSource(config, {
        replication: true,
        applicationName: `outflow-${config.slotName}`,
      });
      try {
        const startLsn = await this.#prepare(replication, slot, stored);
        if (startLsn === null) return;
        if (await this.#startStreaming(replication, startLsn, stored)) {
          this.#standby = false;
          return;
        }
      } catch (error) {
        await replication.end().catch(() => {});
        if (!isSlotExistsError(error)) throw error;
      }
      this.#standby = true;
      await sleep(config.standbyPollIntervalMs, signal);
    }
  }

  /** Creates the slot and/or takes the snapshot as the mode asks; returns where to stream from, or null to not stream. */
  async #prepare(
    replication: pg.Client,
    slot: SlotState | null,
    stored: PgOffset | null,
  ): Promise<Lsn | null> {
    const config = this.#config;
    const mode = config.snapshotMode;
    const hasOffset = stored !== null && !isSnapshotIncomplete(stored);
    let snapshot =
      mode === 'always' ||
      ((mode === 'initial' || mode === 'initial_only') && !hasOffset) ||
      (mode === 'when_needed' && (!hasOffset || slot === null));
    if (mode === 'initial_only' && hasOffset) snapshot = false;
    let startLsn: Lsn;
    let snapshotName: string | null = null;
    if (slot === null) {
      if (hasOffset && !snapshot)
        this.#logger.warn(
          {},
          `slot ${config.slotName} is missing although offsets are stored: changes since then are lost (snapshot.mode=when_needed would re-snapshot)`,
        );
      const created = await createSlot(replication, config.slotName, snapshot);
      this.#positioned.resolve();
      this.#logger.info(
        { lsn: created.consistentPoint.toString() },
        `created replication slot ${config.slotName}`,
      );
      startLsn = created.consistentPoint;
      snapshotName = created.snapshotName;
    } else {
      startLsn = slot.confirmedFlushLsn ?? 0n;
      if (hasOffset && BigInt(stored.lsn) > startLsn) startLsn = BigInt(stored.lsn);
    }
    if (snapshot) {
      const client = await connectSource(config, { rawText: true, applicationName: 'outflow-snapshot' });
      try {
        const tables = await listCapturedTables(client, new TableFilter(config.filter));
        const rows = await runSnapshot({
          client,
          tables,
          snapshotName,
          streamStart: startLsn,
          topicPrefix: config.topicPrefix,
          database: config.database,
          partition: this.#partition,
          modes: config.typeModes,
          placeholder: config.unavailableValuePlaceholder,
          headers: config.contextHeaders,
          push: (record) => this.#queue.push(record),
          logger: this.#logger,
        });
        if (rows === null) return null;
        this.#logger.info({ rows }, 'snapshot complete');
      } finally {
        await client.end().catch(() => {});
      }
    }
    if (mode === 'initial_only') {
      this.#logger.info({}, 'snapshot.mode=initial_only: not streaming');
      await replication.end().catch(() => {});
      return null;
    }
    return startLsn;
  }

  /** Starts the stream; returns false when another process took the slot first (55006). */
  async #startStreaming(replication: pg.Client, startLsn: Lsn, stored: PgOffset | null): Promise<boolean> {
    const config = this.#config;
    const stream = new ReplicationStream(replication, {
      confirmed: startLsn,
      statusIntervalMs: config.statusUpdateIntervalMs,
    });
    this.#streamer = new ChangeStreamer({
      topicPrefix: config.topicPrefix,
      database: config.database,
      partition: this.#partition,
      filter: new TableFilter(config.filter),
      modes: config.typeModes,
      tombstonesOnDelete: config.tombstonesOnDelete,
      skippedOperations: config.skippedOperations,
      placeholder: config.unavailableValuePlaceholder,
      headers: config.contextHeaders,
      resumeFrom: stored,
      readCatalog: (relid) => readCatalogTable(this.#meta!, relid),
      emit: (records) => {
        this.#queue.offer(...records);
        if (this.#queue.full) stream.pause();
      },
      logger: this.#logger,
    });
    try {
      await stream.start({
        slot: config.slotName,
        publication: config.publicationName,
        startLsn,
        handlers: {
          onMessage: (message) => this.#receive(message),
          onEnd: (error) => this.#queue.fail(toRelayError(error, 'PostgreSQL replication stream')),
        },
      });
    } catch (error) {
      await stream.stop();
      if (isSlotInUseError(error)) return false;
      throw error;
    }
    this.#stream = stream;
    if (this.#stopping.signal.aborted) await stream.stop();
    if (this.#delivered !== null) stream.confirm(this.#delivered);
    this.#logger.info({ lsn: startLsn.toString() }, 'streaming changes');
    return true;
  }

  #receive(message: ReplicationMessage): void {
    this.#inbound.push(message);
    if (this.#inbound.length > INBOUND_HIGH_WATER) this.#stream?.pause();
    if (!this.#draining) void this.#drain();
  }

  /** Processes inbound messages one at a time, in order. */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#inbound.length > 0 && !this.#stopping.signal.aborted) {
        const message = this.#inbound.shift()!;
        if (message.tag === 'w') await this.#streamer!.handle(message.walStart, decodePgOutput(message.data));
        else this.#onKeepalive(message.walEnd);
      }
    } catch (error) {
      this.#queue.fail(
        new RelayError(
          'SOURCE_DECODE_FAILED',
          `could not process the replication stream: ${(error as Error).message}`,
          { cause: error },
        ),
      );
      await this.#stream?.stop();
    } finally {
      this.#draining = false;
    }
    this.#maybeResume();
  }

  #maybeResume(): void {
    if (!this.#queue.full && this.#inbound.length <= INBOUND_HIGH_WATER / 2) this.#stream?.resume();
  }

  /** Heartbeat interval elapsed: run the action query and ask the server for its position (keepalive). */
  async #heartbeat(): Promise<void> {
    if (this.#stream === null) return;
    this.#heartbeatDue = true;
    if (this.#config.heartbeatActionQuery !== null) {
      await this.#meta
        ?.query(this.#config.heartbeatActionQuery)
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'heartbeat.action.query failed'));
    }
    this.#stream.requestKeepalive();
  }

  #onKeepalive(walEnd: Lsn): void {
    if (!this.#heartbeatDue || !this.#streamer?.idle) return;
    this.#heartbeatDue = false;
    this.#queue.offer(
      heartbeatRecord({
        topicsPrefix: this.#config.heartbeatTopicsPrefix,
        serverName: this.#config.topicPrefix,
        nowMs: Date.now(),
        partition: this.#partition,
        offset: heartbeatOffset(walEnd, Date.now() * 1000),
      }),
    );
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
