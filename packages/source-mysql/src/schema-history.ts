import { createKafkaLog } from '@outflow/offset-store';
import type { Logger } from '@outflow/relay-core';
import { schemaHistoryError } from './errors.ts';
import type { CaptureFilter } from './filters.ts';
import {
  compareBinlogPositions,
  type HistoryRecord,
  parseHistoryRecord,
  serializeHistoryRecord,
} from './schema-change.ts';
import type { TableSchemaCache } from './table-schema.ts';

/** Where the history's records are kept: a Kafka topic, or only in memory when none is configured. */
export interface HistoryStorage {
  read(): Promise<Buffer[]>;
  append(values: readonly Buffer[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * No storage (no `schema.history.internal.kafka.*` configured): the task keeps the definitions it met in
 * its table cache for as long as it runs, and a restarted task starts from information_schema's.
 */
export function noHistoryStorage(): HistoryStorage {
  return {
    read: () => Promise.resolve([]),
    append: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** The history in a Kafka topic (`schema.history.internal.kafka.*`); its failures say which topic. */
export function kafkaHistoryStorage(options: {
  bootstrapServers: string;
  topic: string;
  clientProperties: Readonly<Record<string, string>>;
  connector: string;
  logger: Logger;
}): HistoryStorage {
  const log = createKafkaLog({
    bootstrapServers: options.bootstrapServers,
    topic: options.topic,
    clientProperties: options.clientProperties,
    clientId: `outflow-${options.connector}-schemahistory`,
    logger: options.logger,
  });
  const fail = (context: string) => (error: unknown) => {
    throw schemaHistoryError(context, options.topic, error);
  };
  return {
    read: () => log.read().catch(fail('could not read the')),
    append: (values) => log.append(values).catch(fail('could not write to the')),
    close: () => log.close(),
  };
}

/** Which statements the history keeps (Debezium's `schema.history.internal.store.only.captured.*`). */
export interface HistoryScope {
  readonly storeOnlyCapturedTablesDdl: boolean;
  readonly storeOnlyCapturedDatabasesDdl: boolean;
}

/**
 * The schema history: every DDL statement the connector met, with the table definitions it left, in
 * Debezium's record format. At start the definitions in force at the stored offset are recovered from it
 * into the table cache, so rows written before a later ALTER decode with the definition they were written
 * under, whatever information_schema says now and whether or not the binlog holding the DDL still exists.
 */
export class SchemaHistory {
  readonly #storage: HistoryStorage;
  readonly #filter: CaptureFilter;
  readonly #scope: HistoryScope;
  readonly #logger: Logger;

  constructor(options: {
    storage: HistoryStorage;
    filter: CaptureFilter;
    scope: HistoryScope;
    logger: Logger;
  }) {
    this.#storage = options.storage;
    this.#filter = options.filter;
    this.#scope = options.scope;
    this.#logger = options.logger;
  }

  /**
   * Reads the history and puts into `cache` the definitions in force at `upTo` (the stored offset): every
   * record at or before it, in order. Records after it (written before a crash that lost the offset) are
   * written again when the statement is read again. Returns how many records applied.
   */
  async recover(cache: TableSchemaCache, upTo: { file: string; pos: number } | null): Promise<number> {
    const raw = await this.#storage.read();
    let applied = 0;
    for (const value of raw) {
      const record = parseHistoryRecord(value);
      if (record === null) {
        this.#logger.warn({}, 'skipping a schema history record that is not one');
        continue;
      }
      const file = record.position.file;
      const pos = Number(record.position.pos);
      if (upTo !== null && typeof file === 'string' && compareBinlogPositions({ file, pos }, upTo) > 0)
        continue;
      SchemaHistory.apply(cache, record);
      applied++;
    }
    return applied;
  }

  /** Puts a record's table changes in force in `cache`. */
  static apply(cache: TableSchemaCache, record: HistoryRecord): void {
    for (const change of record.tableChanges) {
      if (change.type === 'DROP' || change.definition === null) cache.set(change.db, change.table, null);
      else
        cache.set(change.db, change.table, cache.fromDefinition(change.db, change.table, change.definition));
    }
  }

  /** True when the history keeps a statement of `db` touching `tables` (empty: a database statement). */
  keeps(db: string, tables: readonly string[]): boolean {
    if (this.#scope.storeOnlyCapturedTablesDdl)
      return tables.length === 0
        ? this.#filter.includesDatabase(db)
        : tables.some((t) => this.#filter.includesTable(db, t));
    if (this.#scope.storeOnlyCapturedDatabasesDdl) return db === '' || this.#filter.includesDatabase(db);
    return true;
  }

  /** Appends records (durably, when the storage is Kafka) before the statements' effects are published. */
  async append(records: readonly HistoryRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#storage.append(records.map(serializeHistoryRecord));
  }

  close(): Promise<void> {
    return this.#storage.close();
  }
}
