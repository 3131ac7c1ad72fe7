import type { KafkaKvStore } from '@outflow/offset-store';
import { recordSizeUpperBound } from '@outflow/sink-kafka';
import type { ConfigStore, StoredConnector, TargetState } from './config-store.ts';

const CONNECTOR_PREFIX = 'connector-';
const TARGET_PREFIX = 'target-state-';

/**
 * Most bytes one write of a connector may take: the producer's default `max.request.size` (1 MiB), just
 * under the broker's default `message.max.bytes` (1 MiB + 12). A bigger write is refused by Kafka.
 */
export const CONFIG_WRITE_MAX_BYTES = 1_048_576;

/** The records `put` writes for a connector: its configuration and its target state, in one batch. */
function connectorRecords(
  name: string,
  config: Readonly<Record<string, string>>,
  state: TargetState,
): { key: string; value: Buffer }[] {
  const v1 = state === 'STOPPED' ? 'PAUSED' : state;
  return [
    { key: CONNECTOR_PREFIX + name, value: Buffer.from(JSON.stringify({ properties: config })) },
    { key: TARGET_PREFIX + name, value: Buffer.from(JSON.stringify({ state: v1, 'state.v2': state })) },
  ];
}

/**
 * Upper bound of the bytes `put` sends to the config topic for this connector (the largest target state
 * assumed), to be compared with {@link CONFIG_WRITE_MAX_BYTES} before the configuration is accepted.
 */
export function configWriteBytes(name: string, config: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const { key, value } of connectorRecords(name, config, 'STOPPED'))
    total += recordSizeUpperBound({ topic: '', key: Buffer.from(key), value, headers: [] });
  return total;
}

/**
 * Connector configurations in a compacted Kafka topic (`config.storage.topic`), with Kafka Connect's record
 * keys and values: `connector-<name>` → `{"properties":{…}}` and `target-state-<name>` →
 * `{"state":…,"state.v2":…}`; a deletion writes tombstones for both. Like Connect, the stored properties
 * hold secrets in clear: protect the topic with ACLs. Task records (`task-*`, `commit-*`) are not written:
 * a CDC connector's single task takes the connector's configuration.
 */
export function createKafkaConfigStore(kv: KafkaKvStore): ConfigStore {
  const read = (name: string): StoredConnector | null => {
    const config = parse(kv.get(CONNECTOR_PREFIX + name))?.properties;
    if (typeof config !== 'object' || config === null) return null;
    const target = parse(kv.get(TARGET_PREFIX + name));
    return { config: config as Record<string, string>, targetState: targetState(target) };
  };
  return {
    async load() {
      await kv.refresh();
      const out = new Map<string, StoredConnector>();
      for (const key of kv.entries().keys()) {
        if (!key.startsWith(CONNECTOR_PREFIX)) continue;
        const name = key.slice(CONNECTOR_PREFIX.length);
        const stored = read(name);
        if (stored !== null) out.set(name, stored);
      }
      return out;
    },
    current: read,
    async changes() {
      const out = new Map<string, StoredConnector | null>();
      for (const key of await kv.catchUp()) {
        const name = key.startsWith(CONNECTOR_PREFIX)
          ? key.slice(CONNECTOR_PREFIX.length)
          : key.startsWith(TARGET_PREFIX)
            ? key.slice(TARGET_PREFIX.length)
            : undefined;
        if (name !== undefined) out.set(name, read(name));
      }
      return out;
    },
    async put(name, config, state) {
      if (config === null) {
        await kv.set([
          { key: TARGET_PREFIX + name, value: null },
          { key: CONNECTOR_PREFIX + name, value: null },
        ]);
        return;
      }
      await kv.set(connectorRecords(name, config, state));
    },
    async close() {
      await kv.close();
    },
  };
}

function parse(value: Buffer | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function targetState(record: Record<string, unknown> | undefined): TargetState {
  const state = record?.['state.v2'] ?? record?.state;
  return state === 'PAUSED' || state === 'STOPPED' ? state : 'STARTED';
}
