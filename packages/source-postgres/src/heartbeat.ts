import {
  field,
  type Schema,
  Schemas,
  type SourceOffset,
  type SourcePartition,
  type SourceRecord,
  struct,
} from '@outflow/relay-core';

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

/**
 * A Debezium heartbeat record to `<topicsPrefix>.<serverName>` carrying `offset`: once Kafka acknowledges
 * it, `commit` confirms the offset's WAL position, so an idle database (or one whose changes are all in
 * tables not captured) does not keep WAL for the slot forever.
 */
export function heartbeatRecord(options: {
  topicsPrefix: string;
  serverName: string;
  nowMs: number;
  partition: SourcePartition;
  offset: SourceOffset;
}): SourceRecord {
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
