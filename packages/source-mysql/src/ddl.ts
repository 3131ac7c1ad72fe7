import type { TableChangeType, TableDefinition } from './schema-change.ts';

/**
 * Just enough reading of DDL statements to know what they change: which tables a statement creates, alters
 * or drops, and the types its column clauses declare. The table definitions themselves come from
 * information_schema (and, for rows, from the binlog's table maps), not from the statement. Pure.
 */

/** A table a statement touches. */
export interface DdlTarget {
  readonly type: TableChangeType;
  readonly db: string;
  readonly table: string;
}

/** What a statement is about: tables, a database, or nothing a schema history keeps. */
export type ParsedDdl =
  | { readonly kind: 'tables'; readonly targets: readonly DdlTarget[] }
  | { readonly kind: 'database'; readonly db: string }
  | { readonly kind: 'other' };

const IDENT = String.raw`(?:\x60(?:[^\x60]|\x60\x60)+\x60|[\w$]+)`;
const NAME = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;

function unquote(identifier: string): string {
  const s = identifier.trim();
  return s.startsWith('`') ? s.slice(1, -1).replace(/``/g, '`') : s;
}

function qualified(name: string, defaultDb: string): { db: string; table: string } {
  const parts = name.match(new RegExp(IDENT, 'g')) ?? [];
  return parts.length >= 2
    ? { db: unquote(parts[0]!), table: unquote(parts[1]!) }
    : { db: defaultDb, table: unquote(parts[0] ?? '') };
}

/** Removes leading comments (`/* … *\/`, `-- …`, `# …`) that clients put before a statement. */
function stripLeadingComments(sql: string): string {
  let s = sql.trim();
  for (;;) {
    if (s.startsWith('/*')) {
      const end = s.indexOf('*/');
      if (end < 0) return s;
      s = s.slice(end + 2).trim();
    } else if (s.startsWith('--') || s.startsWith('#')) {
      const end = s.indexOf('\n');
      if (end < 0) return '';
      s = s.slice(end + 1).trim();
    } else return s;
  }
}

/** True when a binlog query event is a DDL statement a schema history records. */
export function isSchemaStatement(sql: string): boolean {
  return /^(CREATE|ALTER|DROP|RENAME)\s/i.test(stripLeadingComments(sql));
}

/** What `sql` (run with `defaultDb` as the current database) changes. */
export function parseDdl(sql: string, defaultDb: string): ParsedDdl {
  const s = stripLeadingComments(sql).replace(/\s+/g, ' ');
  let m = new RegExp(`^(CREATE|ALTER|DROP) (?:DATABASE|SCHEMA) (?:IF (?:NOT )?EXISTS )?(${IDENT})`, 'i').exec(
    s,
  );
  if (m) return { kind: 'database', db: unquote(m[2]!) };
  if (/^(CREATE|DROP) (OR REPLACE )?TEMPORARY /i.test(s)) return { kind: 'other' };
  m = new RegExp(`^CREATE (?:OR REPLACE )?TABLE (?:IF NOT EXISTS )?(${NAME})`, 'i').exec(s);
  if (m) return { kind: 'tables', targets: [{ type: 'CREATE', ...qualified(m[1]!, defaultDb) }] };
  m = new RegExp(`^ALTER (?:ONLINE )?(?:IGNORE )?TABLE (?:IF EXISTS )?(${NAME})`, 'i').exec(s);
  if (m) {
    const from = qualified(m[1]!, defaultDb);
    const rename = new RegExp(String.raw`\bRENAME (?:TO |AS )?(${NAME})\s*(?:,|$)`, 'i').exec(
      s.slice(m[0].length),
    );
    if (rename === null) return { kind: 'tables', targets: [{ type: 'ALTER', ...from }] };
    return {
      kind: 'tables',
      targets: [
        { type: 'DROP', ...from },
        { type: 'CREATE', ...qualified(rename[1]!, from.db) },
      ],
    };
  }
  m = /^DROP TABLE (?:IF EXISTS )?(.*)$/i.exec(s);
  if (m) {
    const names = m[1]!.replace(/\s+(RESTRICT|CASCADE)\s*$/i, '').match(new RegExp(NAME, 'g')) ?? [];
    return {
      kind: 'tables',
      targets: names
        .filter((n) => !/^(RESTRICT|CASCADE|WAIT|NOWAIT)$/i.test(n))
        .map((n) => ({ type: 'DROP' as const, ...qualified(n, defaultDb) })),
    };
  }
  m = /^RENAME TABLES? (.*)$/i.exec(s);
  if (m) {
    const targets: DdlTarget[] = [];
    const pair = new RegExp(`(${NAME}) TO (${NAME})`, 'gi');
    for (const p of m[1]!.matchAll(pair)) {
      targets.push({ type: 'DROP', ...qualified(p[1]!, defaultDb) });
      targets.push({ type: 'CREATE', ...qualified(p[2]!, defaultDb) });
    }
    return { kind: 'tables', targets };
  }
  m = new RegExp(
    String.raw`^(?:CREATE (?:OR REPLACE )?(?:ONLINE |OFFLINE )?(?:UNIQUE |FULLTEXT |SPATIAL )?INDEX|DROP INDEX) (?:IF (?:NOT )?EXISTS )?${IDENT} (?:USING \w+ )?ON (${NAME})`,
    'i',
  ).exec(s);
  if (m) return { kind: 'tables', targets: [{ type: 'ALTER', ...qualified(m[1]!, defaultDb) }] };
  return { kind: 'other' };
}

/** Splits `s` at commas outside parentheses and quotes. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote !== null) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The dimensions a column clause declares: `VARCHAR(30)` → 30, `INT` → none. */
interface Declared {
  readonly length: number | null;
  readonly scale: number | null;
}

function declaredType(rest: string): Declared | null {
  const m = /^([a-z]+(?: precision| varying)?)\s*(?:\(([^)]*)\))?/i.exec(rest.trim());
  if (m === null) return null;
  const type = m[1]!.toLowerCase();
  if (type === 'enum' || type === 'set') return null;
  const numbers = (m[2] ?? '').split(',').map((n) => Number(n.trim()));
  return {
    length: m[2] !== undefined && Number.isFinite(numbers[0]) ? numbers[0]! : null,
    scale: m[2] !== undefined && Number.isFinite(numbers[1]) ? numbers[1]! : null,
  };
}

/**
 * The column types an ALTER TABLE or CREATE TABLE statement declares, by column name. Debezium describes a
 * column from the statement's text, so a type written without dimensions (`ADD c INT`) has no length even
 * though information_schema shows one (`int(11)`).
 */
export function declaredColumnTypes(sql: string): Map<string, Declared> {
  const out = new Map<string, Declared>();
  const s = stripLeadingComments(sql);
  const add = (name: string, rest: string) => {
    const d = declaredType(rest);
    if (d !== null) out.set(unquote(name), d);
  };
  const create = /^CREATE (?:OR REPLACE )?TABLE [^(]*\((.*)\)[^)]*$/is.exec(s.replace(/\s+/g, ' '));
  if (create) {
    for (const part of splitTopLevel(create[1]!)) {
      if (/^(PRIMARY|UNIQUE|KEY|INDEX|CONSTRAINT|FOREIGN|FULLTEXT|SPATIAL|CHECK|PERIOD)\b/i.test(part))
        continue;
      const col = new RegExp(String.raw`^(${IDENT})\s+(.*)$`, 's').exec(part);
      if (col) add(col[1]!, col[2]!);
    }
    return out;
  }
  const alter = new RegExp(
    String.raw`^ALTER (?:ONLINE )?(?:IGNORE )?TABLE (?:IF EXISTS )?${NAME}\s*(.*)$`,
    'is',
  ).exec(s.replace(/\s+/g, ' '));
  if (alter === null) return out;
  for (const clause of splitTopLevel(alter[1]!)) {
    let m = new RegExp(`^(?:ADD|MODIFY)(?: COLUMN)?(?: IF (?:NOT )?EXISTS)? (${IDENT}) (.*)$`, 'is').exec(
      clause,
    );
    if (
      m &&
      !/^(PRIMARY|UNIQUE|KEY|INDEX|CONSTRAINT|FOREIGN|FULLTEXT|SPATIAL|CHECK|PARTITION)$/i.test(m[1]!)
    ) {
      add(m[1]!, m[2]!);
      continue;
    }
    m = new RegExp(`^CHANGE(?: COLUMN)?(?: IF EXISTS)? ${IDENT} (${IDENT}) (.*)$`, 'is').exec(clause);
    if (m) add(m[1]!, m[2]!);
  }
  return out;
}

/** The definition with the dimensions the statement declared for its columns (see declaredColumnTypes). */
export function withDeclaredTypes(definition: TableDefinition, sql: string): TableDefinition {
  const declared = declaredColumnTypes(sql);
  if (declared.size === 0) return definition;
  return {
    ...definition,
    columns: definition.columns.map((c) => {
      const d = declared.get(c.name);
      if (d === undefined || c.enumValues !== null) return c;
      return { ...c, length: d.length, scale: c.scale === null ? null : d.scale };
    }),
  };
}
