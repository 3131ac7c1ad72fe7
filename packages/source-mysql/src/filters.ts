import { CaptureLists } from '@outflow/relay-core';

/** Databases Debezium never captures (compared case-insensitively). */
const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

/**
 * Which databases, tables and columns are captured: Debezium's `database.*`, `table.*` and
 * `column.exclude.list` (see CaptureLists), never the system databases.
 */
export interface CaptureFilterOptions {
  readonly databaseInclude?: readonly string[] | null;
  readonly databaseExclude?: readonly string[] | null;
  readonly tableInclude?: readonly string[] | null;
  readonly tableExclude?: readonly string[] | null;
  readonly columnExclude?: readonly string[] | null;
}

/** Decides what a MySQL/MariaDB connector captures. Pure. */
export class CaptureFilter {
  readonly #lists: CaptureLists;

  constructor(options: CaptureFilterOptions) {
    this.#lists = new CaptureLists({
      namespaceInclude: options.databaseInclude,
      namespaceExclude: options.databaseExclude,
      tableInclude: options.tableInclude,
      tableExclude: options.tableExclude,
      columnExclude: options.columnExclude,
      isSystemNamespace: (db) => SYSTEM_DATABASES.has(db.toLowerCase()),
    });
  }

  /** True when some table of `db` may be captured (used to skip whole databases while snapshotting). */
  includesDatabase(db: string): boolean {
    return this.#lists.includesNamespace(db);
  }

  /** True when changes of `db.table` are captured. */
  includesTable(db: string, table: string): boolean {
    return this.#lists.includesTable(db, table);
  }

  /** True when `column` of `db.table` is emitted (not matched by `column.exclude.list`). */
  includesColumn(db: string, table: string, column: string): boolean {
    return this.#lists.includesColumn(db, table, column);
  }
}
