import { findErrorBy, ProduceAcks, Producer } from '@platformatic/kafka';
import { baseOptions, type ClientOptions } from './config.ts';
import { invalidOption } from './errors.ts';

/** Bytes as the producer accepts them: text (encoded as UTF-8) or raw bytes. */
export type Bytes = string | Uint8Array;

/** The project's producer: keys, values and header values as {@link Bytes}, header names as strings. */
export type OutflowProducer = Producer<Bytes, Bytes, string, Bytes>;

/** Which replicas must acknowledge a write before `send` resolves. */
export type Acks = 'all' | 'leader' | 'none';

/** Options of {@link createProducer}. */
export interface ProducerOptions extends ClientOptions {
  /**
   * Idempotent producer (default `true`): the broker drops duplicates of a retried batch, so a retry
   * never writes a record twice or out of order within a partition. Requires `acks: 'all'`.
   */
  idempotent?: boolean;
  /** Acknowledgement level (default `'all'`: every in-sync replica). */
  acks?: Acks;
  /**
   * Makes the producer transactional (`producer.beginTransaction()`): records sent in a transaction become
   * visible to `read_committed` readers all together at commit, or never. A new producer with the same id
   * fences the previous one (a zombie can no longer write). Requires the idempotent producer.
   */
  transactionalId?: string;
}

/** The client's own pause between attempts of a failed request (its default, kept for every other error). */
const RETRY_DELAY_MS = 1000;

/**
 * The pause before retrying a request refused with CONCURRENT_TRANSACTIONS. The broker answers so to the
 * first AddPartitionsToTxn of a transaction while it still writes the previous one's commit markers, which is
 * the common case for a producer committing transaction after transaction: with the client's 1 s pause every
 * transaction but the first waited ~1 s (commit → consumer p50 ~500 ms, p99 ~1.1 s at 1,000 events/s). Java's
 * producer retries this error after 20 ms for the same reason (KAFKA-5477).
 */
const CONCURRENT_TRANSACTIONS_RETRY_MS = 20;

/** The transactional producer's `retryDelay` (exported for its unit test). */
export function retryDelay(
  _client: unknown,
  _operation: string,
  attempt: number,
  retries: number,
  error: Error,
): number {
  if (findErrorBy(error, 'apiId', 'CONCURRENT_TRANSACTIONS') === null) return RETRY_DELAY_MS;
  // 20, 100, 500 ms…: the markers usually take milliseconds. The last retry makes up the rest of the client's
  // usual budget (retries × 1 s), so a slow coordinator fails a transaction no sooner than before.
  const pause = (n: number) => Math.min(RETRY_DELAY_MS, CONCURRENT_TRANSACTIONS_RETRY_MS * 5 ** (n - 1));
  if (attempt < retries) return pause(attempt);
  let spent = 0;
  for (let n = 1; n < attempt; n++) spent += pause(n);
  return Math.max(pause(attempt), retries * RETRY_DELAY_MS - spent);
}

const acksValues: Record<Acks, number> = {
  all: ProduceAcks.ALL,
  leader: ProduceAcks.LEADER,
  none: ProduceAcks.NO_RESPONSE,
};

function toBuffer(data?: Bytes): Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function headerKey(data?: string): Buffer | undefined {
  return data === undefined ? undefined : Buffer.from(data, 'utf8');
}

/**
 * Creates a producer with the project's defaults: idempotent, `acks: 'all'`, no auto-creation of topics.
 * Send with `producer.send({ messages: [{ topic, key, value, headers }] })`; the caller closes it with
 * `producer.close()`. Throws `KAFKA_CONFIG_INVALID` naming the option at fault.
 */
export function createProducer(options: ProducerOptions): OutflowProducer {
  const idempotent = options.idempotent ?? true;
  const acks = options.acks ?? 'all';
  if (!(acks in acksValues)) throw invalidOption('acks', "expected 'all', 'leader' or 'none'", acks);
  if (idempotent && acks !== 'all') {
    throw invalidOption('acks', "an idempotent producer needs acks 'all' (or set idempotent: false)", acks);
  }
  if (options.transactionalId !== undefined && (!idempotent || options.transactionalId === '')) {
    throw invalidOption(
      'transactionalId',
      'a transactional producer needs a non-empty id and idempotence',
      options.transactionalId,
    );
  }
  return new Producer<Bytes, Bytes, string, Bytes>({
    ...baseOptions(options),
    idempotent,
    ...(options.transactionalId === undefined
      ? {}
      : { transactionalId: options.transactionalId, retryDelay }),
    acks: acksValues[acks],
    serializers: { key: toBuffer, value: toBuffer, headerKey, headerValue: toBuffer },
  });
}
