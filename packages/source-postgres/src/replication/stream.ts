import type pg from 'pg';
import {
  decodeReplicationMessage,
  encodeStandbyStatus,
  formatLsn,
  type Lsn,
  type ReplicationMessage,
} from '../decoder/copy-data.ts';
import { quoteIdent, quoteLiteral } from './connection.ts';

/** The parts of pg's internal Connection the stream uses (CopyBoth is not part of pg's public API). */
interface WireConnection {
  on(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): void;
  once(event: 'replicationStart', listener: () => void): void;
  removeAllListeners(event: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  stream: { pause(): void; resume(): void };
}

/** What a running stream reports. Callbacks run synchronously on the socket's data events. */
export interface ReplicationStreamHandlers {
  onMessage(message: ReplicationMessage): void;
  /** The stream ended or failed (not called after `stop`). */
  onEnd(error: unknown): void;
}

/**
 * A pgoutput logical replication stream on a `replication=database` connection (pg.Client): sends
 * `START_REPLICATION SLOT … LOGICAL <lsn> (proto_version '1', publication_names '…')`, then exchanges
 * CopyData messages.
 *
 * Acknowledgement is explicit: the server is told `flush = applied = <confirmed>` where `confirmed` only
 * moves when {@link ReplicationStream.confirm} is called (from `SourceTask.commit`), in status updates sent
 * every `statusIntervalMs` and in replies to keepalives that request one. `written` reports the last WAL
 * position received, for monitoring (`pg_stat_replication`); the slot's confirmed_flush_lsn follows flush only.
 */
export class ReplicationStream {
  readonly #client: pg.Client;
  readonly #wire: WireConnection;
  readonly #statusIntervalMs: number;
  #confirmed: Lsn;
  #received: Lsn = 0n;
  #read: Lsn = 0n;
  #timer: NodeJS.Timeout | null = null;
  #paused = false;
  #stopped = false;

  constructor(client: pg.Client, options: { confirmed: Lsn; statusIntervalMs: number }) {
    this.#client = client;
    this.#wire = (client as unknown as { connection: WireConnection }).connection;
    this.#confirmed = options.confirmed;
    this.#statusIntervalMs = options.statusIntervalMs;
  }

  /** The WAL position read up to: the start of the last data received, or the last keepalive's end. */
  get read(): Lsn {
    return this.#read;
  }

  /** The position the server was last told is safely delivered. */
  get confirmed(): Lsn {
    return this.#confirmed;
  }

  /**
   * Starts streaming from `startLsn` (the server starts at the later of it and the slot's confirmed
   * position). Resolves once the server accepted (CopyBothResponse); rejects with the server's error, e.g.
   * SQLSTATE 55006 when another process holds the slot.
   */
  async start(options: {
    slot: string;
    publication: string;
    startLsn: Lsn;
    handlers: ReplicationStreamHandlers;
  }): Promise<void> {
    const { handlers } = options;
    const sql =
      `START_REPLICATION SLOT ${quoteIdent(options.slot)} LOGICAL ${formatLsn(options.startLsn)} ` +
      `(proto_version '1', publication_names ${quoteLiteral(quoteIdent(options.publication))})`;
    const started = new Promise<void>((resolve) => this.#wire.once('replicationStart', resolve));
    this.#wire.on('copyData', ({ chunk }) => {
      if (this.#stopped) return;
      let message: ReplicationMessage;
      try {
        // pg-protocol hands out a view of its read buffer, which it overwrites with later socket data once
        // this callback returns; messages are processed later, so each gets its own copy of its bytes.
        message = decodeReplicationMessage(Buffer.from(chunk));
      } catch (error) {
        handlers.onEnd(error);
        return;
      }
      if (message.walEnd > this.#received) this.#received = message.walEnd;
      // What the walsender has decoded through: a keepalive's walEnd is its sent position, data starts at walStart.
      const read = message.tag === 'w' ? message.walStart : message.tag === 'k' ? message.walEnd : 0n;
      if (read > this.#read) this.#read = read;
      if (message.tag === 'k' && message.replyRequested) this.sendStatus();
      handlers.onMessage(message);
    });
    const finished = this.#client.query(sql);
    finished.then(
      () => {
        if (!this.#stopped) handlers.onEnd(new Error('the server ended the replication stream'));
      },
      (error: unknown) => {
        if (!this.#stopped) handlers.onEnd(error);
      },
    );
    await Promise.race([
      started,
      finished.then(() => {
        throw new Error('the server ended the replication stream before it started');
      }),
    ]);
    this.#timer = setInterval(() => this.sendStatus(), this.#statusIntervalMs);
    this.#timer.unref();
  }

  /** Moves the confirmed position forward (never back) and tells the server at once. */
  confirm(lsn: Lsn): void {
    if (lsn <= this.#confirmed) return;
    this.#confirmed = lsn;
    this.sendStatus();
  }

  /** Sends a status update asking the server to answer with a keepalive carrying its current WAL end. */
  requestKeepalive(): void {
    this.sendStatus(true);
  }

  /** Sends a standby status update with the current positions. */
  sendStatus(replyRequested = false): void {
    if (this.#stopped) return;
    // biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigints
    const written = this.#received > this.#confirmed ? this.#received : this.#confirmed;
    try {
      this.#wire.sendCopyFromChunk(
        encodeStandbyStatus(written, this.#confirmed, this.#confirmed, Date.now(), replyRequested),
      );
    } catch {
      // The connection is gone; the stream's end handler reports it.
    }
  }

  /** Stops reading the socket (back-pressure); the server's sends block once TCP buffers fill. */
  pause(): void {
    if (this.#paused || this.#stopped) return;
    this.#paused = true;
    this.#wire.stream.pause();
  }

  /** Resumes reading after `pause`. */
  resume(): void {
    if (!this.#paused || this.#stopped) return;
    this.#paused = false;
    this.#wire.stream.resume();
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Sends a last status update and closes the connection. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.sendStatus();
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#wire.removeAllListeners('copyData');
    this.#wire.stream.resume();
    await this.#client.end().catch(() => {});
  }
}
