import type { Logger } from '@outflow/relay-core';
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import type mysql from 'mysql2/promise';
import type { BinlogPosition } from './server.ts';
import type { WrittenColumn } from './written-table.ts';

/**
 * One binlog event with the reader state captured when it arrived (zongji's position and GTID tracking are
 * only coherent synchronously inside its handler).
 */
export interface ReceivedEvent {
  readonly event: AnyBinlogEvent;
  readonly name: string;
  /** Current binlog file. */
  readonly file: string;
  /** Start of this event in `file` (0 when the server did not say). */
  readonly pos: number;
  /** zongji's safe resume position after this event (never inside a transaction). */
  readonly safePos: number;
  /** Executed GTIDs as zongji tracks them (the current transaction is added at its commit). */
  readonly gtids: string | undefined;
  /**
   * For row events: the table, resolved from the table map in force when the event arrived, and its columns
   * as that table map describes them (the definition the row was written under).
   */
  readonly table?: {
    readonly db: string;
    readonly table: string;
    readonly columns?: readonly WrittenColumn[];
  };
}

/** Binlog event header: timestamp, type, server id, length, next position, flags (19 bytes). */
const EVENT_HEADER_LENGTH = 19;

/**
 * Where an event starts, as `SHOW BINLOG EVENTS` lists it: zongji gives the next event's position and the
 * body size, which leaves out the header and, when the server checksums events, the 4-byte CRC32.
 */
export function eventStart(nextPosition: number, bodySize: number, checksum: boolean): number {
  if (nextPosition <= 0 || bodySize <= 0) return 0;
  return nextPosition - bodySize - EVENT_HEADER_LENGTH - (checksum ? 4 : 0);
}

/**
 * The transport: zongji (MySQL/MariaDB replication protocol, row decoding from `binlog_row_metadata=FULL`)
 * behind a small start/pause/resume/stop surface.
 *
 * `stop` may be called at any moment, also while zongji is still connecting: zongji's start-up queries
 * keep running after it and fail on the destroyed connections (`ERR_STREAM_WRITE_AFTER_END`), emitting
 * `error` on the ZongJi instance. An `error` listener therefore stays attached for the client's whole
 * life: before `stop` errors go to the `onError` handler, after it they are logged at debug and dropped.
 * Without a listener, EventEmitter would throw them as uncaught exceptions and end the process.
 */
export class BinlogClient {
  readonly #zongji: ZongJi;
  readonly #logger: Logger;
  #stopped = false;
  #onError: ((error: Error) => void) | undefined;

  constructor(connection: mysql.ConnectionOptions, logger: Logger) {
    this.#logger = logger;
    this.#zongji = new ZongJi(connection);
    this.#zongji.on('error', (error: Error) => {
      if (this.#stopped || this.#onError === undefined) {
        this.#logger.debug({ err: error }, 'binlog client error after stop (ignored)');
        return;
      }
      this.#onError(error);
    });
  }

  /** Starts streaming from `from` (by GTIDs when given, else file/pos). Events and errors go to the handlers. */
  start(
    from: BinlogPosition & { useGtids: boolean },
    serverId: number,
    onEvent: (event: ReceivedEvent) => void,
    onError: (error: Error) => void,
  ): void {
    const z = this.#zongji;
    z.on('binlog', (event: AnyBinlogEvent) => {
      if (this.#stopped) return;
      const next = event.nextPosition;
      const tableId = (event as { tableId?: number }).tableId;
      const entry = tableId === undefined ? undefined : z.tableMap[tableId];
      onEvent({
        ...(entry === undefined
          ? {}
          : {
              table: {
                db: entry.parentSchema,
                table: entry.tableName,
                ...(Array.isArray(entry.columnSchemas)
                  ? { columns: entry.columnSchemas as WrittenColumn[] }
                  : {}),
              },
            }),
        event,
        name: event.getEventName(),
        file: String(z.options.filename ?? from.file),
        pos: eventStart(next, event.size, (z as { useChecksum?: boolean }).useChecksum === true),
        safePos: Number(z.options.position ?? 0),
        gtids: z.gtidSet,
      });
    });
    this.#onError = onError;
    if (this.#stopped) return;
    const options =
      from.useGtids && from.gtids !== undefined
        ? { serverId, gtidSet: from.gtids }
        : { serverId, filename: from.file, position: from.pos };
    z.start(options);
  }

  /** Stops reading from the socket (back-pressure). */
  pause(): void {
    this.#zongji.connection?.pause();
  }

  resume(): void {
    this.#zongji.connection?.resume();
  }

  /**
   * Closes both zongji connections; safe at any moment and more than once. No event or error reaches the
   * handlers once it was called.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.#zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        this.#zongji.stop();
      } catch (error) {
        this.#logger.debug({ err: error }, 'stopping the binlog client failed (ignored)');
        clearTimeout(timer);
        resolve();
      }
    });
    // Keep the `error` listener: zongji may still emit errors from its interrupted start-up.
    this.#zongji.removeAllListeners('binlog');
  }
}
