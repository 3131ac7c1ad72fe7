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
 * worker running a task writes its state on every change, every worker reads them, so `GET …/status` on any
 * worker answers what the running worker reported. Writes are not awaited by the task: one that fails is
 * logged, and the worker's next re-assertion writes it again. Reads and writes go through two stores on the
 * one topic, so that a write Kafka is slow to acknowledge (a worker just resumed from a freeze) never holds
 * up reading what the others wrote; until the topic has it, this worker's own latest write is what it reports.
 */
export class StatusStore {
  readonly #kv: KafkaKvStore;
  readonly #writer: KafkaKvStore;
  readonly #logger: Logger;
  /** Writes sent and not yet acknowledged, by key: this worker's latest word on them. */
  readonly #pending = new Map<string, Buffer | null>();

  constructor(reader: KafkaKvStore, writer: KafkaKvStore, logger: Logger) {
    this.#kv = reader;
    this.#writer = writer;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    await this.#kv.refresh();
  }

  /** Reads what other workers wrote since the last call. */
  async catchUp(): Promise<void> {
    await this.#kv.catchUp();
  }

  task(name: string, id: number): StoredStatus | undefined {
    return parse(this.#get(`${TASK_KEY}${name}-${id}`));
  }

  putTask(name: string, id: number, status: StoredStatus): void {
    this.#put(`${TASK_KEY}${name}-${id}`, status);
  }

  /** Records that `connector` produced to `topic` (Connect's active topics, KIP-558). */
  putTopic(connector: string, topic: string): void {
    const value = { topic: { name: topic, connector, task: 0, discoverTimestamp: Date.now() } };
    this.#write([{ key: `${TOPIC_KEY}${topic}-${connector}`, value: Buffer.from(JSON.stringify(value)) }]);
  }

  /** The topics any worker recorded for `connector`. */
  topics(connector: string): string[] {
    const out = new Set<string>();
    const consider = (key: string, value: Buffer | null | undefined) => {
      if (!key.startsWith(TOPIC_KEY) || !key.endsWith(`-${connector}`) || !value) return;
      try {
        const t = (JSON.parse(value.toString('utf8')) as { topic?: { name?: unknown; connector?: unknown } })
          .topic;
        if (t?.connector === connector && typeof t.name === 'string') out.add(t.name);
      } catch {
        // Not a record of ours.
      }
    };
    for (const [key, value] of this.#kv.entries()) if (!this.#pending.has(key)) consider(key, value);
    for (const [key, value] of this.#pending) consider(key, value);
    return [...out];
  }

  /** Forgets the connector's active topics (`PUT …/topics/reset`). */
  resetTopics(connector: string): void {
    const writes = this.topics(connector).map((t) => ({ key: `${TOPIC_KEY}${t}-${connector}`, value: null }));
    if (writes.length > 0) this.#write(writes);
  }

  /** Forgets a deleted connector's statuses. */
  remove(name: string): void {
    this.#write([
      { key: CONNECTOR_KEY + name, value: null },
      { key: `${TASK_KEY}${name}-0`, value: null },
    ]);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#kv.close(), this.#writer.close()]);
  }

  #get(key: string): Buffer | undefined {
    if (this.#pending.has(key)) return this.#pending.get(key) ?? undefined;
    return this.#kv.get(key);
  }

  #put(key: string, status: StoredStatus): void {
    this.#write([{ key, value: Buffer.from(JSON.stringify(status)) }]);
  }

  #write(writes: { key: string; value: Buffer | null }[]): void {
    for (const w of writes) this.#pending.set(w.key, w.value);
    const settle = () => {
      // A later write of the same key keeps it pending.
      for (const w of writes) if (this.#pending.get(w.key) === w.value) this.#pending.delete(w.key);
    };
    void this.#writer.set(writes).then(settle, (error: unknown) => {
      settle();
      this.#logger.warn({ err: error, keys: writes.map((w) => w.key) }, 'could not write a status record');
    });
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
