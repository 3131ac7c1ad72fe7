import { type ConfigRegex, checkConfigRegex, compileConfigRegex } from '../config-regex.ts';

/**
 * Debezium's include/exclude lists: comma-separated regular expressions, each matched against the whole
 * name (anchored), case-sensitively, in linear time (see compileConfigRegex). Namespaces are databases (MySQL) or schemas (PostgreSQL); tables are
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

/** Table answers remembered by a CaptureLists. */
const MEMO_LIMIT = 4096;

/** Decides which namespaces, tables and columns a source captures. */
export class CaptureLists {
  readonly #isSystem: (namespace: string) => boolean;
  readonly #namespaceInclude: ConfigRegex[] | null;
  readonly #namespaceExclude: ConfigRegex[] | null;
  readonly #tableInclude: ConfigRegex[] | null;
  readonly #tableExclude: ConfigRegex[] | null;
  readonly #columnExclude: ConfigRegex[] | null;
  readonly #tables = new Map<string, boolean>();

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
    const id = `${namespace}.${table}`;
    // Asked for every change event; a database has few tables, so each answer is worked out once.
    const memoKey = `${namespace}\u0000${table}`;
    let included = this.#tables.get(memoKey);
    if (included === undefined) {
      included =
        this.includesNamespace(namespace) &&
        (this.#tableInclude === null || matchesAny(this.#tableInclude, id)) &&
        (this.#tableExclude === null || !matchesAny(this.#tableExclude, id));
      if (this.#tables.size >= MEMO_LIMIT) this.#tables.clear();
      this.#tables.set(memoKey, included);
    }
    return included;
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
      const i = include.findIndex((p) => p.matchesWhole(idOf(t)));
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
function compileRegexList(patterns: readonly string[] | null | undefined): ConfigRegex[] | null {
  if (patterns === null || patterns === undefined || patterns.length === 0) return null;
  return patterns.map((p) => compileConfigRegex(p.trim()));
}

/** A ConfigKey `validate` for a regex list: names the first pattern that does not compile. */
export function validateRegexList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const pattern of value as string[]) {
    const problem = checkConfigRegex(pattern.trim());
    if (problem !== undefined) return `'${pattern}' ${problem}`;
  }
  return undefined;
}

function matchesAny(patterns: readonly ConfigRegex[], name: string): boolean {
  return patterns.some((p) => p.matchesWhole(name));
}
