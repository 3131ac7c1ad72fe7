import {
  ChangePump,
  gapMessage,
  type Logger,
  type LostPosition,
  planStart,
  positionLostError,
  RecordQueue,
  RelayError,
  type SourceBacklog,
  type SourceOffset,
  type SourcePartition,
  type SourcePending,
  SourcePoller,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
  sourceTimestamp,
} from '@outflow/relay-core';
import type pg from 'pg';
import type { PostgresSourceConfig } from './config.ts';
import { formatLsn, type Lsn, parseLsn, type ReplicationMessage } from './decoder/copy-data.ts';
import { decodePgOutput } from './decoder/pgoutput.ts';
import { toRelayError } from './errors.ts';
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
import { checkReplicationPrivilege, checkWalLevel } from './server.ts';
import { runSnapshot } from './snapshot.ts';
import { ChangeStreamer } from './streaming.ts';
import { readCatalogTable } from './tables.ts';

/**
 * The PostgreSQL source task: checks the server, keeps the publication in shape, owns the replication slot
 * (creating it, snapshotting under its exported snapshot when asked), streams pgoutput changes through
 * relay-core's `ChangePump` into a bounded queue that relay-core's `SourcePoller` drains, and confirms the
 * slot in `commit` (and, once everything received is delivered, up to the server's position in keepalives,
 * so an idle relay neither holds WAL nor blocks a server shutdown). relay-core's start plan decides between
 * snapshot, stream and failure; a slot that vanished while offsets are stored fails the task (the changes it
 * retained are gone). When another process holds the slot the task waits as a standby, polling the slot,
 * and takes over once it is free.
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
  /** The highest LSN the records queued so far let the slot confirm. */
  #queuedLsn: Lsn | null = null;
  /** The server's WAL position from the last keepalive received while nothing was in hand (heartbeats). */
  #idlePosition: Lsn | null = null;
  readonly #pump: ChangePump<ReplicationMessage>;
  readonly #poller: SourcePoller;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  /** Resolves once the task holds its position (the slot exists and is this task's) or waits as a standby. */
  readonly #positioned = Promise.withResolvers<void>();

  constructor(config: PostgresSourceConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger.child({ connector: 'postgresql', slot: config.slotName });
    this.#partition = sourcePartition(config.topicPrefix);
    this.#queue = new RecordQueue(config.maxQueueSize);
    this.#pump = new ChangePump({
      queue: this.#queue,
      weight: () => 1,
      handle: (message) => this.#handle(message),
      onFailure: (error) => {
        this.#queue.fail(
          new RelayError(
            'SOURCE_DECODE_FAILED',
            `could not process the replication stream: ${(error as Error).message}`,
            { cause: error },
          ),
        );
        void this.#stream?.stop();
      },
    });
    this.#poller = new SourcePoller({
      queue: this.#queue,
      maxBatchSize: config.maxBatchSize,
      pollIntervalMs: config.pollIntervalMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      heartbeatTopicsPrefix: config.heartbeatTopicsPrefix,
      serverName: config.topicPrefix,
      partition: this.#partition,
      position: () => {
        const lsn = this.#idlePosition;
        return lsn === null ? null : { key: lsn.toString(), offset: heartbeatOffset(lsn, Date.now() * 1000) };
      },
    });
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
      // The poller emits heartbeats; this keeps the idle position they carry fresh.
      this.#heartbeatTimer = setInterval(() => void this.#heartbeat(), config.heartbeatIntervalMs);
      this.#heartbeatTimer.unref();
    }
    // Return only once the position is taken: a caller that writes after `start` resolved (the relay reports
    // the task RUNNING then) must find its change in the slot, which a first start creates here. A snapshot
    // runs after that, fed to `poll`; a standby returns at once. A failure before then fails `start`.
    await this.#positioned.promise;
  }

  poll(signal: AbortSignal): Promise<SourceRecord[]> {
    return this.#poller.poll(signal);
  }

  pending(): SourcePending {
    const first = this.#queue.peek();
    const ts = first === undefined ? undefined : sourceTimestamp(first);
    return { records: this.#queue.size, ...(ts === undefined ? {} : { oldestSourceTsMs: ts }) };
  }

  /**
   * WAL bytes between what the walsender decoded for this slot and `pg_current_wal_lsn()`. Not exact: the WAL
   * is shared by every database of the server, and an idle stream learns how far the walsender got only at
   * its next keepalive.
   */
  async backlog(): Promise<SourceBacklog | undefined> {
    const meta = this.#meta;
    const read = this.#stream?.read ?? 0n;
    if (meta === null || read === 0n) return undefined;
    const result = await meta.query('SELECT pg_current_wal_lsn()::text AS lsn');
    const end = parseLsn(String(result.rows[0]?.lsn));
    return { bytes: end > read ? Number(end - read) : 0, exact: false };
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
    this.#pump.stop();
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
      // Read only once the slot is free: with exactly-once, reading the offsets takes the connector's
      // transactional.id, which fences the relay that holds the slot, so a standby must not read them.
      const stored = parseOffset(await this.#context!.offset(this.#partition));
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
        if (startLsn === null) {
          // Not streaming (initial_only, or stopped during the snapshot): the walsender must not linger.
          await replication.end().catch(() => {});
          return;
        }
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

  /**
   * Follows relay-core's start plan: fails when the slot is gone although offsets are stored (unless
   * `snapshot.mode=when_needed`, which re-snapshots and logs the gap), creates the slot where needed, takes
   * the snapshot the plan asks for. Returns where to stream from, or null to not stream.
   */
  async #prepare(
    replication: pg.Client,
    slot: SlotState | null,
    stored: PgOffset | null,
  ): Promise<Lsn | null> {
    const config = this.#config;
    const plan = planStart({
      mode: config.snapshotMode,
      stored: stored === null ? 'none' : isSnapshotIncomplete(stored) ? 'snapshot-incomplete' : 'complete',
      positionAvailable: slot !== null,
    });
    if (plan.kind === 'idle') {
      this.#logger.info({}, 'snapshot.mode=initial_only: the snapshot is complete; not streaming');
      await replication.end().catch(() => {});
      return null;
    }
    if (plan.kind === 'lost' || (plan.kind === 'snapshot' && plan.gap)) {
      const lost = await this.#lostSlot(stored);
      if (plan.kind === 'lost') throw positionLostError(lost);
      this.#logger.error({ ...lost, gap: true }, gapMessage(lost));
    }
    const snapshot = plan.kind === 'snapshot';
    let startLsn: Lsn;
    let snapshotName: string | null = null;
    if (slot === null) {
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
      if (stored !== null && plan.kind === 'stream' && BigInt(stored.lsn) > startLsn)
        startLsn = BigInt(stored.lsn);
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
      if (!plan.stream) {
        this.#logger.info({}, 'snapshot.mode=initial_only: not streaming');
        await replication.end().catch(() => {});
        return null;
      }
    }
    return startLsn;
  }

  /** What a vanished slot took with it, for the failure (or the gap line). */
  async #lostSlot(stored: PgOffset | null): Promise<LostPosition> {
    const current = await this.#meta!.query('SELECT pg_current_wal_lsn()::text AS lsn').then(
      (r) => String(r.rows[0]?.lsn ?? 'unknown'),
      () => 'unknown',
    );
    return {
      connector: this.#context!.connector,
      what: 'position of replication slot',
      stored: `${this.#config.slotName} at LSN ${stored === null ? 'none' : formatLsn(BigInt(stored.lsn))}`,
      oldest: null,
      reason:
        `the slot no longer exists (it was dropped; the server is now at LSN ${current}), and the WAL it ` +
        'retained for this connector went with it',
    };
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
      // Deletes the first transform drops anyway are not decoded (as `skipped.operations=d` would).
      skippedOperations: this.#context?.skipDeletes
        ? new Set([...config.skippedOperations, 'd'])
        : config.skippedOperations,
      placeholder: config.unavailableValuePlaceholder,
      headers: config.contextHeaders,
      resumeFrom: stored,
      readCatalog: (relid) => readCatalogTable(this.#meta!, relid),
      emit: (records) => {
        this.#queue.offer(...records);
        const last = parseOffset(records[records.length - 1]!.sourceOffset);
        const lsn = last === null ? null : confirmableLsn(last);
        if (lsn !== null && (this.#queuedLsn === null || lsn > this.#queuedLsn)) this.#queuedLsn = lsn;
      },
      logger: this.#logger,
    });
    try {
      await stream.start({
        slot: config.slotName,
        publication: config.publicationName,
        startLsn,
        handlers: {
          onMessage: (message) => this.#pump.push(message),
          onEnd: (error) => {
            // Every message received before the end is queued first, so its offset is stored before the
            // task supervisor reconnects.
            void this.#pump
              .whenIdle()
              .then(() => this.#queue.fail(toRelayError(error, 'PostgreSQL replication stream')));
          },
        },
      });
    } catch (error) {
      await stream.stop();
      if (isSlotInUseError(error)) return false;
      throw error;
    }
    this.#stream = stream;
    this.#pump.attach(stream);
    if (this.#stopping.signal.aborted) await stream.stop();
    if (this.#delivered !== null) stream.confirm(this.#delivered);
    this.#logger.info({ lsn: startLsn.toString() }, 'streaming changes');
    return true;
  }

  async #handle(message: ReplicationMessage): Promise<void> {
    if (message.tag === 'w') await this.#streamer!.handle(message.walStart, decodePgOutput(message.data));
    else this.#onKeepalive(message.walEnd);
  }

  /** Heartbeat interval elapsed: run the action query and ask the server for its position (keepalive). */
  async #heartbeat(): Promise<void> {
    if (this.#stream === null) return;
    if (this.#config.heartbeatActionQuery !== null) {
      await this.#meta
        ?.query(this.#config.heartbeatActionQuery)
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'heartbeat.action.query failed'));
    }
    this.#stream.requestKeepalive();
  }

  /**
   * A keepalive, handled in stream order: everything before `walEnd` has been received. With nothing in hand
   * it is the position a heartbeat may carry; with everything received also delivered, the slot may be
   * confirmed up to it at once: there is nothing below it left to deliver. That is what lets a walsender
   * finish a server shutdown (it waits for the client to confirm all it sent) and an idle slot release WAL.
   */
  #onKeepalive(walEnd: Lsn): void {
    if (!this.#streamer?.idle) return;
    this.#idlePosition = walEnd;
    const delivered =
      this.#queuedLsn === null || (this.#delivered !== null && this.#delivered >= this.#queuedLsn);
    if (delivered && this.#queue.size === 0) this.#stream?.confirm(walEnd);
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
