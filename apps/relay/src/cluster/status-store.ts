import type { KafkaKvStore } from '@outflow/offset-store';
import type { Logger } from '@outflow/relay-core';

/** One status record, as Kafka Connect writes it to `status.storage.topic`. */
export interface StoredStatus {
  readonly state: string;
  readonly trace: string | null;
  readonly worker_id: string;
  readonly generation: number;
}

/** Connect's keys: `status-connector-<name>` and `status-task-<name>-<id>`. */
const CONNECTOR_KEY = 'status-connector-';
const TASK_KEY = 'status-task-';
/** Connect's active-topic records: `topic-<topic>-<connector>` → `{"topic":{"name","connector",…}}`. */
const TOPIC_KEY = 'topic-';

/**
 * Connector and task states shared through the status topic (Connect's `KafkaStatusBackingStore`): the
 * worker running a task writes its state on every change, every worker reads them, so `GET …/status` on
 * any worker answers what the running worker reported. Writes are not awaited by the task: a status that
 * cannot be written is logged, and written again with the next change.
 */
export class StatusStore {
  readonly #kv: KafkaKvStore;
  readonly #logger: Logger;

  constructor(kv: KafkaKvStore, logger: Logger) {
    this.#kv = kv;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    await this.#kv.refresh();
  }

  /** Reads what other workers wrote since the last call. */
  async catchUp(): Promise<void> {
    await this.#kv.catchUp();
  }

  connector(name: string): StoredStatus | undefined {
    return parse(this.#kv.get(CONNECTOR_KEY + name));
  }

  task(name: string, id: number): StoredStatus | undefined {
    return parse(this.#kv.get(`${TASK_KEY}${name}-${id}`));
  }

  putConnector(name: string, status: StoredStatus): void {
    this.#write(CONNECTOR_KEY + name, status);
  }

  putTask(name: string, id: number, status: StoredStatus): void {
    this.#write(`${TASK_KEY}${name}-${id}`, status);
  }

  /** Records that `connector` produced to `topic` (Connect's active topics, KIP-558). */
  putTopic(connector: string, topic: string): void {
    const value = { topic: { name: topic, connector, task: 0, discoverTimestamp: Date.now() } };
    void this.#kv
      .set([{ key: `${TOPIC_KEY}${topic}-${connector}`, value: Buffer.from(JSON.stringify(value)) }])
      .catch((error: unknown) =>
        this.#logger.warn({ err: error, connector }, 'could not record an active topic'),
      );
  }

  /** The topics any worker recorded for `connector`. */
  topics(connector: string): string[] {
    const out: string[] = [];
    for (const [key, value] of this.#kv.entries()) {
      if (!key.startsWith(TOPIC_KEY) || !key.endsWith(`-${connector}`)) continue;
      try {
        const t = (JSON.parse(value.toString('utf8')) as { topic?: { name?: unknown; connector?: unknown } })
          .topic;
        if (t?.connector === connector && typeof t.name === 'string') out.push(t.name);
      } catch {
        // Not a record of ours.
      }
    }
    return out;
  }

  /** Forgets the connector's active topics (`PUT …/topics/reset`). */
  resetTopics(connector: string): void {
    const writes = this.topics(connector).map((t) => ({ key: `${TOPIC_KEY}${t}-${connector}`, value: null }));
    if (writes.length > 0)
      void this.#kv
        .set(writes)
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'could not reset topics'));
  }

  /** Forgets a deleted connector's statuses. */
  remove(name: string): void {
    void this.#kv
      .set([
        { key: CONNECTOR_KEY + name, value: null },
        { key: `${TASK_KEY}${name}-0`, value: null },
      ])
      .catch((error: unknown) =>
        this.#logger.warn({ err: error, connector: name }, 'could not remove statuses'),
      );
  }

  async close(): Promise<void> {
    await this.#kv.close();
  }

  #write(key: string, status: StoredStatus): void {
    void this.#kv
      .set([{ key, value: Buffer.from(JSON.stringify(status)) }])
      .catch((error: unknown) => this.#logger.warn({ err: error, key }, 'could not write a status record'));
  }
}

function parse(value: Buffer | undefined): StoredStatus | undefined {
  if (value === undefined) return undefined;
  try {
    const s = JSON.parse(value.toString('utf8')) as Partial<StoredStatus>;
    if (typeof s.state !== 'string' || typeof s.worker_id !== 'string') return undefined;
    return {
      state: s.state,
      trace: typeof s.trace === 'string' ? s.trace : null,
      worker_id: s.worker_id,
      generation: typeof s.generation === 'number' ? s.generation : 0,
    };
  } catch {
    return undefined;
  }
}
