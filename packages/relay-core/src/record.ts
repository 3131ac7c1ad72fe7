import type { Schema } from './schema.ts';

/** Identifies the stream a source reads, e.g. `{ server: 'dbserver1' }` (Kafka Connect's source partition). */
export type SourcePartition = Readonly<Record<string, unknown>>;

/**
 * Where a source stands in its stream once a record is delivered: enough to resume right after it.
 * Values are JSON-compatible so they can be stored as Kafka Connect stores them.
 */
export type SourceOffset = Readonly<Record<string, unknown>>;

/** A Kafka record header before conversion. Strings are written as UTF-8, as Connect's SimpleHeaderConverter does. */
export interface Header {
  readonly key: string;
  readonly value: string | Uint8Array | null;
}

/**
 * A record produced by a source and rewritten by transforms (Kafka Connect's `SourceRecord`).
 * `sourceOffset` is the position to resume from once this record and every record before it are in Kafka.
 */
export interface SourceRecord {
  readonly sourcePartition: SourcePartition;
  readonly sourceOffset: SourceOffset;
  readonly topic: string;
  /** Explicit Kafka partition; absent = chosen by the producer from the key. */
  readonly kafkaPartition?: number;
  readonly keySchema: Schema | null;
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  /** `null` is a tombstone. */
  readonly value: unknown;
  /** Record timestamp in epoch milliseconds; absent = the producer's time. */
  readonly timestamp?: number;
  readonly headers: readonly Header[];
}

/** A record ready for Kafka: serialised key and value. */
export interface ProducerRecord {
  readonly topic: string;
  readonly partition?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp?: number;
  readonly headers: readonly { readonly key: string; readonly value: Buffer | null }[];
}
