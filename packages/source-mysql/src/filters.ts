/**
 * Which databases, tables and columns are captured: Debezium's include/exclude lists of comma-separated
 * regular expressions, each matched against the whole name (anchored), case-sensitively as Debezium does.
 */
export interface CaptureFilterOptions {
  readonly databaseInclude?: readonly string[] | null;
  readonly databaseExclude?: readonly string[] | null;
  readonly tableInclude?: readonly string[] | null;
  readonly tableExclude?: readonly string[] | null;
  readonly columnExclude?: readonly string[] | null;
}

/** Decides what a connector captures. Pure. */
export class CaptureFilter {
  readonly #dbInclude: RegExp[] | null;
  readonly #dbExclude: RegExp[] | null;
  readonly #tableInclude: RegExp[] | null;
  readonly #tableExclude: RegExp[] | null;
  readonly #columnExclude: RegExp[] | null;

  constructor(options: CaptureFilterOptions) {
    this.#dbInclude = compile(options.databaseInclude);
    this.#dbExclude = compile(options.databaseExclude);
    this.#tableInclude = compile(options.tableInclude);
    this.#tableExclude = compile(options.tableExclude);
    this.#columnExclude = compile(options.columnExclude);
  }

  /** True when some table of `db` may be captured (used to skip whole databases while snapshotting). */
  includesDatabase(db: string): boolean {
    if (SYSTEM_DATABASES.has(db.toLowerCase())) return false;
    if (this.#dbInclude !== null && !matchesAny(this.#dbInclude, db)) return false;
    if (this.#dbExclude !== null && matchesAny(this.#dbExclude, db)) return false;
    return true;
  }

  /** True when changes of `db.table` are captured. */
  includesTable(db: string, table: string): boolean {
    if (!this.includesDatabase(db)) return false;
    const id = `${db}.${table}`;
    if (this.#tableInclude !== null && !matchesAny(this.#tableInclude, id)) return false;
    if (this.#tableExclude !== null && matchesAny(this.#tableExclude, id)) return false;
    return true;
  }

  /** True when `column` of `db.table` is emitted (not matched by `column.exclude.list`). */
  includesColumn(db: string, table: string, column: string): boolean {
    return this.#columnExclude === null || !matchesAny(this.#columnExclude, `${db}.${table}.${column}`);
  }
}

/** Databases Debezium never captures. */
const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

function compile(patterns: readonly string[] | null | undefined): RegExp[] | null {
  if (patterns === null || patterns === undefined || patterns.length === 0) return null;
  return patterns.map((p) => new RegExp(`^(?:${p.trim()})$`));
}

function matchesAny(patterns: readonly RegExp[], name: string): boolean {
  return patterns.some((p) => p.test(name));
}
