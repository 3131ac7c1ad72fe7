import { randomUUID } from 'node:crypto';
import type { ConfigKey } from '../config-def.ts';
import type { Header } from '../record.ts';

/**
 * Debezium 3's context headers (`DebeziumHeaderProducer`): every change record and schema-change record
 * carries, in this order, the logical name (`topic.prefix`), the task id, the connector's plugin name
 * (`mysql`, `mariadb`, `postgresql`) and a run id that is new each time the task starts. Heartbeats carry none.
 */
export const CONTEXT_HEADER_KEYS = {
  connectorLogicalName: '__debezium.context.connectorLogicalName',
  taskId: '__debezium.context.taskId',
  connectorName: '__debezium.context.connectorName',
  runId: '__debezium.context.runId',
} as const;

/** `extended.headers.enabled`: Debezium's switch for the context headers. */
export const extendedHeadersConfigKey: ConfigKey = {
  name: 'extended.headers.enabled',
  type: 'boolean',
  default: true,
  description:
    'Add Debezium 3 context headers (__debezium.context.connectorLogicalName, taskId, connectorName, runId) ' +
    'to every change record.',
};

/** What the context headers of one task run are made of. */
export interface ContextHeaderOptions {
  readonly enabled: boolean;
  /** `topic.prefix`. */
  readonly logicalName: string;
  /** `mysql`, `mariadb`, `postgresql`. */
  readonly connectorName: string;
  /** The task number as text (Outflow runs one task: "0"). */
  readonly taskId?: string;
  /** Defaults to a fresh random UUID: call once per task run. */
  readonly runId?: string;
}

/** The context headers of one task run, or none when `extended.headers.enabled` is false. */
export function contextHeaders(options: ContextHeaderOptions): readonly Header[] {
  if (!options.enabled) return [];
  return [
    { key: CONTEXT_HEADER_KEYS.connectorLogicalName, value: options.logicalName },
    { key: CONTEXT_HEADER_KEYS.taskId, value: options.taskId ?? '0' },
    { key: CONTEXT_HEADER_KEYS.connectorName, value: options.connectorName },
    { key: CONTEXT_HEADER_KEYS.runId, value: options.runId ?? randomUUID() },
  ];
}
