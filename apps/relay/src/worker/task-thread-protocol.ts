/**
 * What a connector's task thread and the relay's main thread say to each other (`ThreadedConnectorRunner`
 * on one side, `task-thread.ts` on the other), and the one place both sides turn errors and records into
 * what a `MessagePort` can carry and back.
 */
import type { ProducerRecord, SourceOffset, SourcePartition, SourcePending } from '@outflow/relay-core';
import { RelayError } from '@outflow/relay-core';
import type { KafkaSinkOptions } from '@outflow/sink-kafka';
import type { TaskState } from './connector-runner.ts';

/** Everything a thread needs to run one connector's task (its `run` message). */
export interface TaskThreadData {
  readonly connector: string;
  /** The connector's configuration as validated by the herder: defaults merged, references resolved. */
  readonly config: Readonly<Record<string, string>>;
  /** The task's Kafka producer, without a logger (the thread gives it its own). */
  readonly sink: Omit<KafkaSinkOptions, 'logger'>;
  /** Topics whose records are not the connector's (offsets written in its transactions). */
  readonly internalTopics: readonly string[];
  readonly offsetFlushIntervalMs: number;
  readonly shutdownTimeoutMs: number | undefined;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number } | undefined;
  readonly logLevel: string;
  /** Which optional methods the main thread's offset store has. */
  readonly offsetStore: { readonly atomically: boolean; readonly refresh: boolean };
}

/** A failure as it crosses threads: enough to rebuild what the task supervisor and the trace read. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: unknown;
  readonly retriable: boolean;
  readonly cause: WireError | undefined;
}

/** Offsets of one connector, as the task loop stores them. */
export type OffsetEntries = readonly { partition: SourcePartition; offset: SourceOffset }[];

/** Messages from the thread to the main thread. */
export type FromThread =
  | { readonly t: 'state'; readonly state: TaskState; readonly trace: string | undefined }
  | { readonly t: 'trace'; readonly trace: string | undefined }
  | { readonly t: 'log'; readonly line: string }
  | { readonly t: 'metric'; readonly name: string; readonly args: readonly unknown[] }
  /** The running task changed (null: none); `pending` is what it holds, refreshed with each batch. */
  | { readonly t: 'task'; readonly present: boolean; readonly backlog: boolean }
  | { readonly t: 'pending'; readonly pending: SourcePending }
  /** Delivered to Kafka: counted for the console; `topics` are those seen for the first time. */
  | {
      readonly t: 'sent';
      readonly events: number;
      readonly bytes: number;
      readonly topics: readonly string[];
    }
  | { readonly t: 'call'; readonly id: number; readonly call: OffsetCall }
  | { readonly t: 'reply'; readonly id: number; readonly value?: unknown; readonly error?: WireError }
  /**
   * How the send of a `setAtomically` call's offset records ended (the call's reply carried the records):
   * the main thread's store takes the offsets as stored, or not. Nothing answers it, so the task's next
   * batch does not wait for the main thread.
   */
  | { readonly t: 'sent-offsets'; readonly id: number; readonly error?: WireError }
  /** The task stopped and the thread may be ended. */
  | { readonly t: 'stopped' };

/** Calls of the thread into the main thread's offset store. */
export type OffsetCall =
  | { readonly op: 'get'; readonly partition: SourcePartition }
  | { readonly op: 'set'; readonly entries: OffsetEntries }
  /** Answered with the offset records to write in the task's transaction; then `sent-offsets` follows. */
  | { readonly op: 'setAtomically'; readonly entries: OffsetEntries }
  | { readonly op: 'refresh' };

/** Messages from the main thread to the thread. */
export type ToThread =
  /** The task this thread runs; the first message, which a spare thread waits for. */
  | { readonly t: 'run'; readonly data: TaskThreadData }
  | { readonly t: 'start' }
  | { readonly t: 'stop' }
  | { readonly t: 'reply'; readonly id: number; readonly value?: unknown; readonly error?: WireError }
  | { readonly t: 'backlog'; readonly id: number };

export function toWireError(error: unknown, depth = 0): WireError {
  const e = error instanceof Error ? error : new Error(String(error));
  const fields = e as Error & { code?: unknown; retriable?: unknown };
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    code: typeof fields.code === 'string' || typeof fields.code === 'number' ? fields.code : undefined,
    retriable: fields.retriable === true,
    cause:
      e.cause !== undefined && e.cause !== null && depth < 5 ? toWireError(e.cause, depth + 1) : undefined,
  };
}

/** The error again, a `RelayError` when it was one (its code and retriability are what the task acts on). */
export function fromWireError(wire: WireError): Error {
  const cause = wire.cause === undefined ? undefined : fromWireError(wire.cause);
  const error =
    wire.name === 'RelayError' || wire.name === 'ConfigError'
      ? new RelayError(wire.code as RelayError['code'], wire.message, { retriable: wire.retriable, cause })
      : Object.assign(new Error(wire.message, cause === undefined ? undefined : { cause }), {
          ...(wire.code === undefined ? {} : { code: wire.code }),
          ...(wire.retriable ? { retriable: true } : {}),
        });
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

/** Records that crossed threads: their keys and values arrive as `Uint8Array`s, the sink expects Buffers. */
export function reviveRecords(records: readonly ProducerRecord[]): ProducerRecord[] {
  return records.map((r) => ({
    ...r,
    key: asBuffer(r.key),
    value: asBuffer(r.value),
    headers: r.headers.map((h) => ({ ...h, value: asBuffer(h.value) })),
  }));
}

function asBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null || Buffer.isBuffer(bytes)) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Calls over a port: each call gets an id, its answer settles the promise. Both threads use one, the main
 * thread for `backlog`, the task thread for its offset store.
 */
export class PortCalls {
  #next = 0;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();

  /** Sends the call with `post` under a new id and resolves with its reply. */
  call<T>(post: (id: number) => void): Promise<T> {
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      post(id);
    });
  }

  /** Settles the call a reply answers; false if none waits for it. */
  settle(reply: { readonly id: number; readonly value?: unknown; readonly error?: WireError }): boolean {
    const waiting = this.#waiting.get(reply.id);
    if (waiting === undefined) return false;
    this.#waiting.delete(reply.id);
    if (reply.error !== undefined) waiting.reject(fromWireError(reply.error));
    else waiting.resolve(reply.value);
    return true;
  }

  /** Fails every call still waiting (the other side is gone). */
  abandon(error: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}
