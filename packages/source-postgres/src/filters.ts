/**
 * Which tables the connector captures: Debezium's `schema.include.list`/`schema.exclude.list` and
 * `table.include.list`/`table.exclude.list`, comma-separated regular expressions matched against the whole
 * name (`schema`, `schema.table`), case-sensitively. System schemas are never captured. Pure.
 */
export interface TableFilterOptions {
  readonly schemaInclude?: readonly string[] | null;
  readonly schemaExclude?: readonly string[] | null;
  readonly tableInclude?: readonly string[] | null;
  readonly tableExclude?: readonly string[] | null;
}

/** Decides whether a table is captured. */
export class TableFilter {
  readonly #schemaInclude: RegExp[] | null;
  readonly #schemaExclude: RegExp[] | null;
  readonly #tableInclude: RegExp[] | null;
  readonly #tableExclude: RegExp[] | null;

  constructor(options: TableFilterOptions) {
    this.#schemaInclude = compile(options.schemaInclude);
    this.#schemaExclude = compile(options.schemaExclude);
    this.#tableInclude = compile(options.tableInclude);
    this.#tableExclude = compile(options.tableExclude);
  }

  /** True when changes of `schema.table` are captured. */
  includes(schema: string, table: string): boolean {
    if (SYSTEM_SCHEMAS.has(schema) || schema.startsWith('pg_temp') || schema.startsWith('pg_toast'))
      return false;
    if (this.#schemaInclude !== null && !matchesAny(this.#schemaInclude, schema)) return false;
    if (this.#schemaExclude !== null && matchesAny(this.#schemaExclude, schema)) return false;
    const id = `${schema}.${table}`;
    if (this.#tableInclude !== null && !matchesAny(this.#tableInclude, id)) return false;
    if (this.#tableExclude !== null && matchesAny(this.#tableExclude, id)) return false;
    return true;
  }
}

/** Schemas Debezium never captures. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

function compile(patterns: readonly string[] | null | undefined): RegExp[] | null {
  if (patterns === null || patterns === undefined || patterns.length === 0) return null;
  return patterns.map((p) => new RegExp(`^(?:${p.trim()})$`));
}

function matchesAny(patterns: readonly RegExp[], name: string): boolean {
  return patterns.some((p) => p.test(name));
}
