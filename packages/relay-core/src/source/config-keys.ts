import type { ConfigKey } from '../config-def.ts';
import { validateRegexList } from './capture-filter.ts';

/**
 * Connector properties every source declares the same way (Debezium's names and defaults). A source builds
 * its ConfigDef from these and adds its own; `readCommonSourceConfig` reads them back after parsing.
 */

/** Debezium's snapshot modes Outflow supports (`never` and `schema_only` are old names of `no_data`). */
export const SNAPSHOT_MODES = [
  'initial',
  'initial_only',
  'when_needed',
  'always',
  'no_data',
  'schema_only',
  'never',
] as const;

/** The snapshot behaviours after aliases are resolved. */
export type SnapshotMode = 'initial' | 'initial_only' | 'when_needed' | 'always' | 'no_data';

/** Resolves Debezium's aliases (case-insensitively): `schema_only` and `never` mean `no_data`. */
export function normaliseSnapshotMode(mode: string): SnapshotMode {
  const lower = mode.toLowerCase();
  if (lower === 'schema_only' || lower === 'never') return 'no_data';
  return lower as SnapshotMode;
}

/** `topic.prefix` (old name `database.server.name`): the first part of every topic. */
export const topicPrefixConfigKey: ConfigKey = {
  name: 'topic.prefix',
  type: 'string',
  aliases: ['database.server.name'],
  validate: (v) =>
    typeof v === 'string' && /^[A-Za-z0-9._-]+$/.test(v)
      ? undefined
      : 'must be made of letters, digits, ".", "_" and "-"',
  description: 'Logical name of the server: the first part of every topic and the offset partition key.',
};

/** An include/exclude list of anchored regular expressions, checked at start-up. */
export function regexListConfigKey(
  name: string,
  description: string,
  aliases?: readonly string[],
): ConfigKey {
  return {
    name,
    type: 'list',
    default: null,
    validate: validateRegexList,
    ...(aliases === undefined ? {} : { aliases }),
    description,
  };
}

/** `snapshot.mode` and `tombstones.on.delete`. */
export const snapshotConfigKeys: readonly ConfigKey[] = [
  {
    name: 'snapshot.mode',
    type: 'string',
    default: 'initial',
    validate: (v) =>
      typeof v === 'string' && SNAPSHOT_MODES.includes(v.toLowerCase() as never)
        ? undefined
        : `'${String(v)}' is not supported; use one of ${SNAPSHOT_MODES.join(', ')}`,
    description:
      'When to read the existing rows: initial (no stored offset), initial_only (then stop streaming), ' +
      'when_needed (also when the stored position is gone from the server), always, no_data (stream only; ' +
      '`schema_only` and `never` are its old names).',
  },
  {
    name: 'tombstones.on.delete',
    type: 'boolean',
    default: true,
    description: 'Whether a delete is followed by a tombstone (same key, null value).',
  },
];

/** `heartbeat.interval.ms` and `heartbeat.topics.prefix`. */
export const heartbeatConfigKeys: readonly ConfigKey[] = [
  {
    name: 'heartbeat.interval.ms',
    type: 'int',
    default: 0,
    min: 0,
    description:
      'Emit a heartbeat carrying the current position (binlog position, LSN) after this long without ' +
      'changes, so the stored offset keeps up with a quiet database; 0 = off.',
  },
  {
    name: 'heartbeat.topics.prefix',
    type: 'string',
    default: '__debezium-heartbeat',
    description: 'Heartbeat records go to `<prefix>.<topic.prefix>`.',
  },
];

/** `max.batch.size`, `max.queue.size` and `poll.interval.ms`. */
export const queueConfigKeys: readonly ConfigKey[] = [
  {
    name: 'max.batch.size',
    type: 'int',
    default: 2048,
    min: 1,
    description: 'Most records one poll returns.',
  },
  {
    name: 'max.queue.size',
    type: 'int',
    default: 8192,
    min: 1,
    description: 'Records buffered between the reader and poll; reading pauses when it is full.',
  },
  {
    name: 'poll.interval.ms',
    type: 'int',
    default: 500,
    min: 0,
    description: 'How long poll waits for the first record.',
  },
];

/** The common properties, read back from parsed values. */
export interface CommonSourceConfig {
  readonly topicPrefix: string;
  readonly snapshotMode: SnapshotMode;
  readonly tombstonesOnDelete: boolean;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTopicsPrefix: string;
  readonly maxBatchSize: number;
  readonly maxQueueSize: number;
  readonly pollIntervalMs: number;
  /** `extended.headers.enabled` (a source that declares `extendedHeadersConfigKey`; true otherwise). */
  readonly extendedHeadersEnabled: boolean;
}

/** Reads the common properties from values parsed by a ConfigDef that declares them. */
export function readCommonSourceConfig(values: Readonly<Record<string, unknown>>): CommonSourceConfig {
  return {
    topicPrefix: String(values['topic.prefix']),
    snapshotMode: normaliseSnapshotMode(String(values['snapshot.mode'])),
    tombstonesOnDelete: values['tombstones.on.delete'] !== false,
    heartbeatIntervalMs: Number(values['heartbeat.interval.ms']),
    heartbeatTopicsPrefix: String(values['heartbeat.topics.prefix']),
    maxBatchSize: Number(values['max.batch.size']),
    maxQueueSize: Number(values['max.queue.size']),
    pollIntervalMs: Number(values['poll.interval.ms']),
    extendedHeadersEnabled: values['extended.headers.enabled'] !== false,
  };
}
