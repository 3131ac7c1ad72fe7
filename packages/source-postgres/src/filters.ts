import { CaptureLists } from '@outflow/relay-core';

/** Schemas Debezium never captures. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

/**
 * Which tables the connector captures: Debezium's `schema.include.list`/`schema.exclude.list` and
 * `table.include.list`/`table.exclude.list` (see CaptureLists). System schemas are never captured.
 */
export interface TableFilterOptions {
  readonly schemaInclude?: readonly string[] | null;
  readonly schemaExclude?: readonly string[] | null;
  readonly tableInclude?: readonly string[] | null;
  readonly tableExclude?: readonly string[] | null;
}

/** Decides whether a table is captured. Pure. */
export class TableFilter {
  readonly #lists: CaptureLists;

  constructor(options: TableFilterOptions) {
    this.#lists = new CaptureLists({
      namespaceInclude: options.schemaInclude,
      namespaceExclude: options.schemaExclude,
      tableInclude: options.tableInclude,
      tableExclude: options.tableExclude,
      isSystemNamespace: (schema) =>
        SYSTEM_SCHEMAS.has(schema) || schema.startsWith('pg_temp') || schema.startsWith('pg_toast'),
    });
  }

  /** Captured tables in Debezium's snapshot order (by `table.include.list` expression, then by name). */
  snapshotOrder<T extends { schema: string; table: string }>(tables: readonly T[]): T[] {
    return this.#lists.snapshotOrder(tables, (t) => `${t.schema}.${t.table}`);
  }

  /** True when changes of `schema.table` are captured. */
  includes(schema: string, table: string): boolean {
    return this.#lists.includesTable(schema, table);
  }
}
