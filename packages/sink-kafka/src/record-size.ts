import type { ProducerRecord } from '@outflow/relay-core';

/** Kafka's record batch header (`DefaultRecordBatch.RECORD_BATCH_OVERHEAD`). */
const RECORD_BATCH_OVERHEAD = 61;
/** Most bytes of a record's fixed fields (`DefaultRecord.MAX_RECORD_OVERHEAD`). */
const MAX_RECORD_OVERHEAD = 21;

function varintSize(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let bytes = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 128);
    bytes++;
  }
  return bytes;
}

function bytesField(length: number | undefined): number {
  return length === undefined ? varintSize(-1) : varintSize(length) + length;
}

/**
 * Upper bound of a record's size alone in a batch, uncompressed, as the Java producer estimates it
 * (`AbstractRecords.estimateSizeInBytesUpperBound`, record format v2): what the broker compares with
 * `max.message.bytes`.
 */
export function recordSizeUpperBound(record: ProducerRecord): number {
  let size = RECORD_BATCH_OVERHEAD + MAX_RECORD_OVERHEAD;
  size += bytesField(record.key?.length) + bytesField(record.value?.length);
  size += varintSize(record.headers.length);
  for (const h of record.headers) {
    size += bytesField(Buffer.byteLength(h.key, 'utf8')) + bytesField(h.value?.length);
  }
  return size;
}
