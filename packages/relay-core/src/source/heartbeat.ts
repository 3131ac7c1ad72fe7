import type { SourceOffset, SourcePartition, SourceRecord } from '../record.ts';
import { field, type Schema, Schemas, struct } from '../schema.ts';

/** Debezium's heartbeat key schema: `{serverName}`. */
export const heartbeatKeySchema: Schema = {
  ...struct('io.debezium.connector.common.ServerNameKey', [field('serverName', Schemas.string())]),
  version: 1,
};

/** Debezium's heartbeat value schema: `{ts_ms}`. */
export const heartbeatValueSchema: Schema = {
  ...struct('io.debezium.connector.common.Heartbeat', [field('ts_ms', Schemas.int64())]),
  version: 1,
};

/** What a heartbeat record carries. */
export interface HeartbeatRecordOptions {
  /** `heartbeat.topics.prefix`. */
  readonly topicsPrefix: string;
  /** `topic.prefix` (Debezium's logical server name). */
  readonly serverName: string;
  readonly nowMs: number;
  readonly partition: SourcePartition;
  /** The source's current position. */
  readonly offset: SourceOffset;
}

/**
 * A Debezium heartbeat record to `<topicsPrefix>.<serverName>` carrying `offset`: once Kafka acknowledges it,
 * the offset is stored (and a PostgreSQL source confirms its WAL position), so a quiet database, or one whose
 * changes are all in tables not captured, does not leave the stored position behind.
 */
export function heartbeatRecord(options: HeartbeatRecordOptions): SourceRecord {
  return {
    sourcePartition: options.partition,
    sourceOffset: options.offset,
    topic: `${options.topicsPrefix}.${options.serverName}`,
    keySchema: heartbeatKeySchema,
    key: { serverName: options.serverName },
    valueSchema: heartbeatValueSchema,
    value: { ts_ms: options.nowMs },
    headers: [],
  };
}
