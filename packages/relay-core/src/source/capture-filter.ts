/**
 * Debezium's include/exclude lists: comma-separated regular expressions, each matched against the whole
 * name (anchored), case-sensitively. Namespaces are databases (MySQL) or schemas (PostgreSQL); tables are
 * named `namespace.table` and columns `namespace.table.column`. Pure.
 */
export interface CaptureListsOptions {
  readonly namespaceInclude?: readonly string[] | null;
  readonly namespaceExclude?: readonly string[] | null;
  readonly tableInclude?: readonly string[] | null;
  readonly tableExclude?: readonly string[] | null;
  readonly columnExclude?: readonly string[] | null;
  /** The source's system namespaces, never captured whatever the lists say. */
  readonly isSystemNamespace: (namespace: string) => boolean;
}

/** Decides which namespaces, tables and columns a source captures. */
export class CaptureLists {
  readonly #isSystem: (namespace: string) => boolean;
  readonly #namespaceInclude: RegExp[] | null;
  readonly #namespaceExclude: RegExp[] | null;
  readonly #tableInclude: RegExp[] | null;
  readonly #tableExclude: RegExp[] | null;
  readonly #columnExclude: RegExp[] | null;

  constructor(options: CaptureListsOptions) {
    this.#isSystem = options.isSystemNamespace;
    this.#namespaceInclude = compileRegexList(options.namespaceInclude);
    this.#namespaceExclude = compileRegexList(options.namespaceExclude);
    this.#tableInclude = compileRegexList(options.tableInclude);
    this.#tableExclude = compileRegexList(options.tableExclude);
    this.#columnExclude = compileRegexList(options.columnExclude);
  }

  /** True when some table of `namespace` may be captured. */
  includesNamespace(namespace: string): boolean {
    if (this.#isSystem(namespace)) return false;
    if (this.#namespaceInclude !== null && !matchesAny(this.#namespaceInclude, namespace)) return false;
    if (this.#namespaceExclude !== null && matchesAny(this.#namespaceExclude, namespace)) return false;
    return true;
  }

  /** True when changes of `namespace.table` are captured. */
  includesTable(namespace: string, table: string): boolean {
    if (!this.includesNamespace(namespace)) return false;
    const id = `${namespace}.${table}`;
    if (this.#tableInclude !== null && !matchesAny(this.#tableInclude, id)) return false;
    if (this.#tableExclude !== null && matchesAny(this.#tableExclude, id)) return false;
    return true;
  }

  /**
   * Orders captured tables for the snapshot as Debezium does (`addSignalingCollectionAndSort`): the tables
   * matching the first `table.include.list` expression, then those matching the second, …; within one, the
   * given order (sorted by name). Without an include list the order is kept.
   */
  snapshotOrder<T>(tables: readonly T[], idOf: (table: T) => string): T[] {
    const include = this.#tableInclude;
    if (include === null) return [...tables];
    const rank = (t: T) => {
      const i = include.findIndex((p) => p.test(idOf(t)));
      return i < 0 ? include.length : i;
    };
    return tables
      .map((t, i) => ({ t, i, r: rank(t) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((e) => e.t);
  }

  /** True when `column` of `namespace.table` is emitted (not matched by `column.exclude.list`). */
  includesColumn(namespace: string, table: string, column: string): boolean {
    return (
      this.#columnExclude === null || !matchesAny(this.#columnExclude, `${namespace}.${table}.${column}`)
    );
  }
}

/** The anchored expressions of a list; null for an unset or empty list (which matches nothing). */
function compileRegexList(patterns: readonly string[] | null | undefined): RegExp[] | null {
  if (patterns === null || patterns === undefined || patterns.length === 0) return null;
  return patterns.map((p) => new RegExp(`^(?:${p.trim()})$`));
}

/** A ConfigKey `validate` for a regex list: names the first pattern that does not compile. */
export function validateRegexList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const pattern of value as string[]) {
    try {
      new RegExp(`^(?:${pattern})$`);
    } catch (error) {
      return `'${pattern}' is not a valid regular expression (${(error as Error).message})`;
    }
  }
  return undefined;
}

function matchesAny(patterns: readonly RegExp[], name: string): boolean {
  return patterns.some((p) => p.test(name));
}
