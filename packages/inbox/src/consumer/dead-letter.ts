import { errorCode } from '../errors.ts';

/** Header names of a dead-lettered record (the original headers are kept beside them). */
export const DLQ_HEADERS = {
  errorMessage: 'outflow.dlq.error.message',
  errorClass: 'outflow.dlq.error.class',
  errorCode: 'outflow.dlq.error.code',
  originalTopic: 'outflow.dlq.original.topic',
  originalPartition: 'outflow.dlq.original.partition',
  originalOffset: 'outflow.dlq.original.offset',
  attempts: 'outflow.dlq.attempts',
  reason: 'outflow.dlq.reason',
} as const;

/** Why a record went to the dead-letter topic. */
export type DeadLetterReason = 'handler-failed' | 'invalid-payload' | 'missing-event-id';

/** Where a record came from. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly headers: ReadonlyMap<string, string>;
}

const MAX_MESSAGE_BYTES = 4096;

/**
 * The headers of a dead-lettered record: the original headers (except earlier `outflow.dlq.*` ones), then
 * the error (message cut to 4 KiB, class, code when there is one), the origin and the number of attempts.
 */
export function deadLetterHeaders(
  origin: RecordOrigin,
  error: unknown,
  attempts: number,
  reason: DeadLetterReason,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of origin.headers) if (!k.startsWith('outflow.dlq.')) headers[k] = v;
  const e = error instanceof Error ? error : new Error(String(error));
  let message = e.message;
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
    message = `${Buffer.from(message)
      .subarray(0, MAX_MESSAGE_BYTES - 3)
      .toString('utf8')}...`;
  }
  headers[DLQ_HEADERS.errorMessage] = message;
  headers[DLQ_HEADERS.errorClass] = e.name === 'Error' ? e.constructor.name : e.name;
  const code = errorCode(e);
  if (code !== undefined) headers[DLQ_HEADERS.errorCode] = code;
  headers[DLQ_HEADERS.originalTopic] = origin.topic;
  headers[DLQ_HEADERS.originalPartition] = String(origin.partition);
  headers[DLQ_HEADERS.originalOffset] = origin.offset.toString();
  headers[DLQ_HEADERS.attempts] = String(attempts);
  headers[DLQ_HEADERS.reason] = reason;
  return headers;
}
