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
import { isSchemaStatement, parseDdl, withDeclaredTypes } from './ddl.ts';
import { toRelayError } from './errors.ts';
import type { CaptureFilter } from './filters.ts';
import { type BinlogOffset, positionOffset, TransactionCursor, toSourceOffset } from './offsets.ts';
import { rowMatchesTable, rowToValues } from './row-values.ts';
import { type SchemaChange, schemaChangeRecord, type TableChange } from './schema-change.ts';
import type { SchemaHistory } from './schema-history.ts';
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
  readonly #skipDeletes: boolean;
  readonly #info: ServerInfo;
  readonly #conn: mysql.Connection;
  readonly #filter: CaptureFilter;
  readonly #cache: TableSchemaCache;
  readonly #history: SchemaHistory;
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
  /** The GTID of the event group being read (MariaDB's GTID event, MySQL's GTID event). */
  #groupGtid: string | null = null;

  constructor(options: {
    config: MySqlSourceConfig;
    info: ServerInfo;
    conn: mysql.Connection;
    filter: CaptureFilter;
    cache: TableSchemaCache;
    history: SchemaHistory;
    queue: RecordQueue;
    logger: Logger;
    from: BinlogOffset;
    /** Deleted rows of captured tables are not decoded (`SourceTaskContext.skipDeletes`). */
    skipDeletes?: boolean;
  }) {
    this.#config = options.config;
    this.#info = options.info;
    this.#conn = options.conn;
    this.#filter = options.filter;
    this.#skipDeletes = options.skipDeletes === true;
    this.#cache = options.cache;
    this.#history = options.history;
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
        this.#groupGtid = (event as { gtid?: string }).gtid ?? null;
        break;
      case 'mariadbgtid': {
        const e = event as Extract<AnyBinlogEvent, { getEventName(): 'mariadbgtid' }>;
        this.#thread = e.threadId ?? null;
        this.#groupGtid = e.gtid ?? null;
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
          const change = isSchemaStatement(e.query)
            ? await this.#schemaChange(received, e.query, e.schema, tsSec)
            : null;
          if (!this.#cursor.inTransaction) this.#commit(received, boundary);
          if (change !== null && this.#position !== null)
            this.#queue.offer(
              schemaChangeRecord({
                connector: this.#config.connector,
                topicPrefix: this.#config.topicPrefix,
                change: { ...change, sourceOffset: toSourceOffset(this.#position.offset) },
                processedAtMs: Date.now(),
                headers: this.#config.contextHeaders,
              }),
            );
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

  /**
   * A DDL statement: puts the tables it created or altered in force as information_schema describes them now
   * (rows keep decoding by their table maps when it has changed again since), keeps the statement in the
   * schema history, and returns the schema-change record to publish, if any (`include.schema.changes`, a
   * captured database).
   */
  async #schemaChange(
    received: ReceivedEvent,
    ddl: string,
    currentDb: string,
    tsSec: number,
  ): Promise<Omit<SchemaChange, 'sourceOffset'> | null> {
    const parsed = parseDdl(ddl, currentDb);
    if (parsed.kind === 'other') {
      // A table statement of a form this reader does not follow: read tables again when next met. (Users,
      // views, triggers, … change no table, and leave recovered definitions in force.)
      if (/\bTABLES?\b/i.test(ddl)) {
        this.#cache.invalidate(currentDb);
        this.#cacheInvalidateAll();
      }
      return null;
    }
    const changes: TableChange[] = [];
    const db = parsed.kind === 'database' ? parsed.db : (parsed.targets[0]?.db ?? currentDb);
    if (parsed.kind === 'database') {
      if (/^\s*DROP/i.test(ddl)) this.#cache.invalidate(parsed.db);
    } else {
      for (const target of parsed.targets) {
        if (target.type === 'DROP') {
          this.#cache.set(target.db, target.table, null);
          changes.push({ ...target, definition: null });
          continue;
        }
        const loaded = await this.#cache.load(this.#conn, target.db, target.table);
        if (loaded === null || loaded.definition === undefined) {
          // Gone since (the relay is behind): its rows, if any, decode by their table maps.
          this.#cache.invalidate(target.db, target.table);
          continue;
        }
        const definition = withDeclaredTypes(loaded.definition, ddl);
        this.#cache.set(target.db, target.table, { ...loaded, definition });
        changes.push({ ...target, definition });
      }
    }
    const tables = parsed.kind === 'tables' ? parsed.targets.map((t) => t.table) : [];
    const offset = positionOffset({
      file: received.file,
      pos: received.safePos,
      ...(received.gtids === undefined ? {} : { gtids: received.gtids }),
      tsSec,
      serverId: this.#info.serverId,
    });
    if (this.#history.keeps(db, tables))
      await this.#history.append([
        {
          source: this.#partition,
          position: toSourceOffset(offset),
          ts_ms: Date.now(),
          databaseName: db,
          ddl,
          tableChanges: changes,
        },
      ]);
    if (!this.#config.includeSchemaChanges || !this.#filter.includesDatabase(db)) return null;
    const source = mysqlSourceStruct({
      connector: this.#config.connector,
      serverName: this.#config.topicPrefix,
      tsMs: (received.event as { timestamp: number }).timestamp,
      snapshot: 'false',
      db,
      table: tables.length === 0 ? null : [...new Set(tables)].join(','),
      serverId: this.#info.serverId,
      gtid: (received.event as { gtid?: string }).gtid ?? this.#groupGtid,
      file: received.file,
      pos: received.pos,
      row: 0,
      thread: null,
      query: null,
    });
    return { databaseName: db, ddl, changes, source };
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
    // Counted above like any rows event, so resume positions within the transaction stay the same.
    if (name === 'deleterows' && this.#skipDeletes) return;
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
