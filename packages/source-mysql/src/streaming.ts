import {
  buildChangeRecord,
  type ChangeOp,
  ChangePump,
  type Logger,
  nowMicros,
  type RecordQueue,
  RelayError,
  type SourceRecord,
  tombstoneFor,
} from '@outflow/relay-core';
import type { AnyBinlogEvent } from '@vlasky/zongji';
import type mysql from 'mysql2/promise';
import { BinlogClient, type ReceivedEvent } from './binlog-client.ts';
import type { MySqlSourceConfig } from './config.ts';
import { toRelayError } from './errors.ts';
import type { CaptureFilter } from './filters.ts';
import { type BinlogOffset, positionOffset, TransactionCursor, toSourceOffset } from './offsets.ts';
import { rowMatchesTable, rowToValues } from './row-values.ts';
import { connectionOptions, type ServerInfo } from './server.ts';
import { mysqlSourceStruct } from './source-info.ts';
import type { CapturedTable, TableSchemaCache } from './table-schema.ts';

/** The reader's current position, for heartbeats (moves with every event, captured tables or not). */
export interface StreamPosition {
  readonly offset: BinlogOffset;
  readonly key: string;
}

/**
 * Streams row changes from the binlog into the queue through relay-core's `ChangePump` (which owns order and
 * back-pressure): decodes events (loading table schemas from information_schema as tables are first met or
 * altered) and gives each row its resume offset. A lost connection fails the queue once every event already
 * received is queued, so the task delivers them and stores their offsets before the task supervisor
 * reconnects from there.
 */
export class BinlogStreamer {
  readonly #config: MySqlSourceConfig;
  readonly #info: ServerInfo;
  readonly #conn: mysql.Connection;
  readonly #filter: CaptureFilter;
  readonly #cache: TableSchemaCache;
  readonly #queue: RecordQueue;
  readonly #logger: Logger;
  readonly #partition: Record<string, unknown>;

  #client: BinlogClient | null = null;
  readonly #pump: ChangePump<ReceivedEvent>;
  #stopped = false;
  #cursor: TransactionCursor;
  /** Offset of the last queued record or transaction boundary: where a reconnect resumes. */
  #resumeFrom: BinlogOffset;
  #position: StreamPosition | null = null;
  #thread: number | null = null;
  #pendingTxPos: number | null = null;

  constructor(options: {
    config: MySqlSourceConfig;
    info: ServerInfo;
    conn: mysql.Connection;
    filter: CaptureFilter;
    cache: TableSchemaCache;
    queue: RecordQueue;
    logger: Logger;
    from: BinlogOffset;
  }) {
    this.#config = options.config;
    this.#info = options.info;
    this.#conn = options.conn;
    this.#filter = options.filter;
    this.#cache = options.cache;
    this.#queue = options.queue;
    this.#logger = options.logger;
    this.#partition = { server: options.config.topicPrefix };
    this.#resumeFrom = options.from;
    this.#cursor = new TransactionCursor(options.from);
    this.#pump = new ChangePump({
      queue: this.#queue,
      weight: (event) => this.#weight(event),
      handle: (event) => this.#handle(event),
      onFailure: (error) => {
        this.#queue.fail(
          error instanceof RelayError ? error : toRelayError(error, 'binlog event processing failed'),
        );
        void this.stop();
      },
    });
  }

  /** The position reached so far (null before the first event). */
  get position(): StreamPosition | null {
    return this.#position;
  }

  start(): void {
    if (!this.#stopped) this.#connect();
  }

  /** Stops reading; safe at any moment (connecting, streaming) and more than once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#pump.stop();
    const client = this.#client;
    this.#client = null;
    await client?.stop();
  }

  #connect(): void {
    const from = this.#resumeFrom;
    this.#cursor = new TransactionCursor(from);
    this.#thread = null;
    this.#pendingTxPos = null;
    const client = new BinlogClient(connectionOptions(this.#config), this.#logger);
    this.#client = client;
    this.#pump.attach(client);
    this.#logger.info(
      { file: from.file, pos: from.pos, gtids: from.gtids, event: from.event, row: from.row },
      'streaming the binlog',
    );
    client.start(
      {
        file: from.file,
        pos: from.pos,
        gtids: from.gtids,
        useGtids: this.#info.gtids && from.gtids !== undefined,
      },
      this.#config.serverId,
      (event) => {
        if (client === this.#client) this.#pump.push(event);
      },
      (error) => {
        if (client !== this.#client) return;
        void this.#onError(error);
      },
    );
  }

  async #onError(error: Error): Promise<void> {
    if (this.#stopped) return;
    const client = this.#client;
    this.#client = null;
    await client?.stop();
    // Every event received before the loss is queued first, so its offset is stored before the restart.
    await this.#pump.whenIdle();
    if (this.#stopped) return;
    this.#queue.fail(
      toRelayError(error, `binlog stream lost at ${this.#resumeFrom.file}:${this.#resumeFrom.pos}`),
    );
  }

  async #handle(received: ReceivedEvent): Promise<void> {
    const { event, name } = received;
    const tsSec = Math.floor(event.timestamp / 1000);
    const boundary = { file: received.file, pos: received.safePos, tsSec, serverId: this.#info.serverId };
    switch (name) {
      case 'gtid':
      case 'anonymousgtid':
        this.#pendingTxPos = received.pos;
        break;
      case 'mariadbgtid': {
        const e = event as Extract<AnyBinlogEvent, { getEventName(): 'mariadbgtid' }>;
        this.#thread = e.threadId ?? null;
        if (!e.standalone) this.#begin(received, received.pos, tsSec);
        break;
      }
      case 'query': {
        const e = event as Extract<AnyBinlogEvent, { getEventName(): 'query' }>;
        const sql = e.query.trim().toUpperCase();
        if (sql === 'BEGIN' || sql.startsWith('XA START')) {
          this.#thread = e.slaveProxyId;
          this.#begin(received, this.#pendingTxPos ?? received.pos, tsSec);
        } else if (sql === 'COMMIT' || sql === 'ROLLBACK' || sql.startsWith('XA COMMIT')) {
          this.#commit(received, boundary);
        } else {
          // DDL (its own transaction): table shapes may have changed.
          if (/^(ALTER|CREATE|DROP|RENAME|TRUNCATE)\b/.test(sql)) this.#cache.invalidate(e.schema);
          if (/^(ALTER|DROP|RENAME)\b/.test(sql)) this.#cacheInvalidateAll();
          if (!this.#cursor.inTransaction) this.#commit(received, boundary);
        }
        break;
      }
      case 'xid':
        this.#commit(received, boundary);
        break;
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        await this.#rows(received, name, tsSec);
        break;
      default:
        if (!this.#cursor.inTransaction && received.safePos > 0) this.#advance(positionOffset(boundary));
    }
  }

  #cacheInvalidateAll(): void {
    // Statements may name tables of other databases (`ALTER TABLE other.t`): forget everything.
    for (const db of this.#knownDbs) this.#cache.invalidate(db);
  }

  readonly #knownDbs = new Set<string>();

  #begin(received: ReceivedEvent, pos: number, tsSec: number): void {
    this.#pendingTxPos = null;
    this.#cursor.begin({
      file: received.file,
      pos,
      gtidsBefore: received.gtids,
      tsSec,
      serverId: this.#info.serverId,
    });
  }

  #commit(
    received: ReceivedEvent,
    boundary: { file: string; pos: number; tsSec: number; serverId: number },
  ): void {
    this.#pendingTxPos = null;
    const offset = this.#cursor.commit({
      ...boundary,
      ...(received.gtids === undefined ? {} : { gtids: received.gtids }),
    });
    this.#advance(offset);
  }

  #advance(offset: BinlogOffset): void {
    this.#resumeFrom = offset;
    this.#position = { offset, key: `${offset.file}:${offset.pos}:${offset.event}:${offset.row}` };
  }

  async #rows(received: ReceivedEvent, name: string, tsSec: number): Promise<void> {
    const where = received.table;
    if (where === undefined) return;
    this.#knownDbs.add(where.db);
    if (!this.#filter.includesTable(where.db, where.table)) {
      // Not captured, but counted so the event/row skip counts stay aligned: only captured tables count.
      return;
    }
    const skip = this.#cursor.rowsEvent();
    const event = received.event as { rows: unknown[]; timestamp: number; gtid?: string };
    let table = await this.#cache.get(this.#conn, where.db, where.table);
    const sample = firstRowImage(event.rows[0], name);
    // The table map tells the definition the row was written under, also when the table was altered since
    // (the relay is behind); without it, information_schema is read again.
    if (where.columns !== undefined)
      table = this.#cache.asWritten(table, where.db, where.table, where.columns);
    else if (table !== null && sample !== null && !rowMatchesTable(table, sample)) {
      this.#cache.invalidate(where.db, where.table);
      table = await this.#cache.get(this.#conn, where.db, where.table);
    }
    if (table === null || (sample !== null && !rowMatchesTable(table, sample))) {
      this.#decodeFailure(
        `the columns of ${where.db}.${where.table} in the binlog do not match information_schema (altered since?)`,
        received,
      );
      return;
    }
    const op: ChangeOp = name === 'writerows' ? 'c' : name === 'updaterows' ? 'u' : 'd';
    for (let i = 0; i < event.rows.length; i++) {
      if (i < skip) continue;
      const raw = event.rows[i];
      let before: Record<string, unknown> | null = null;
      let after: Record<string, unknown> | null = null;
      try {
        if (op === 'u') {
          const pair = raw as { before: Record<string, unknown>; after: Record<string, unknown> };
          before = rowToValues(table, pair.before, this.#config);
          after = rowToValues(table, pair.after, this.#config);
        } else if (op === 'c') after = rowToValues(table, raw as Record<string, unknown>, this.#config);
        else before = rowToValues(table, raw as Record<string, unknown>, this.#config);
      } catch (error) {
        this.#decodeFailure((error as Error).message, received);
        continue;
      }
      const offset = this.#cursor.rowOffset(i, {
        file: received.file,
        pos: received.safePos,
        ...(received.gtids === undefined ? {} : { gtids: received.gtids }),
        tsSec,
        serverId: this.#info.serverId,
      });
      this.#emit(table, op, before, after, received, i, offset);
    }
  }

  #emit(
    table: CapturedTable,
    op: ChangeOp,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
    received: ReceivedEvent,
    row: number,
    offset: BinlogOffset,
  ): void {
    const event = received.event as { timestamp: number; gtid?: string };
    const source = mysqlSourceStruct({
      connector: this.#config.connector,
      serverName: this.#config.topicPrefix,
      tsMs: event.timestamp,
      snapshot: 'false',
      db: table.db,
      table: table.table,
      serverId: this.#info.serverId,
      gtid: event.gtid ?? null,
      file: received.file,
      pos: received.pos,
      row,
      thread: this.#thread,
      query: null,
    });
    const record: SourceRecord = buildChangeRecord(table.schemas, {
      op,
      before,
      after,
      source,
      processedAtUs: nowMicros(),
      sourcePartition: this.#partition,
      headers: this.#config.contextHeaders,
      sourceOffset: toSourceOffset(offset),
    });
    this.#queue.offer(record);
    if (op === 'd' && this.#config.tombstonesOnDelete && record.key !== null)
      this.#queue.offer(tombstoneFor(record));
    this.#advance(offset);
  }

  /**
   * Records an event may queue: one per row (two per deleted row when tombstones follow deletes), at least 1
   * so that a flood of other events pauses the reader too.
   */
  #weight(received: ReceivedEvent): number {
    const rows = (received.event as { rows?: unknown }).rows;
    if (!Array.isArray(rows)) return 1;
    const perRow = received.name === 'deleterows' && this.#config.tombstonesOnDelete ? 2 : 1;
    return Math.max(1, rows.length * perRow);
  }

  #decodeFailure(message: string, received: ReceivedEvent): void {
    const where = `${received.file}:${received.pos}`;
    if (this.#config.failureHandlingMode === 'fail')
      throw new RelayError('SOURCE_DECODE_FAILED', `cannot decode the binlog event at ${where}: ${message}`);
    if (this.#config.failureHandlingMode === 'warn')
      this.#logger.warn(
        { file: received.file, pos: received.pos },
        `skipping an undecodable event: ${message}`,
      );
  }
}

function firstRowImage(row: unknown, name: string): Record<string, unknown> | null {
  if (row === undefined || row === null) return null;
  if (name === 'updaterows') return (row as { after: Record<string, unknown> }).after;
  return row as Record<string, unknown>;
}
