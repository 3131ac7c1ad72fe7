import type { InboxDialect } from '@outflow/inbox';

/** SQL split at its positional placeholders: `text.length === params.length + 1`. */
export interface SplitSql {
  /** The SQL text between placeholders. */
  readonly text: string[];
  /** For each placeholder, the index into the values array. */
  readonly params: number[];
}

/**
 * Splits SQL written with positional placeholders (`?` for mysql, `$1…` for postgres, as the outbox and inbox
 * write it) so a library that only takes its own parameter syntax (Drizzle's `sql`, Knex's `raw`) can run it.
 * Quoted strings, quoted identifiers and comments are copied as they are.
 */
export function splitPlaceholders(sql: string, dialect: InboxDialect): SplitSql {
  const text: string[] = [];
  const params: number[] = [];
  let chunk = '';
  let next = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = closingQuote(sql, i, c);
      chunk += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      chunk += sql.slice(i, stop);
      i = stop;
    } else if (dialect === 'mysql' && c === '?') {
      text.push(chunk);
      params.push(next++);
      chunk = '';
      i++;
    } else if (dialect === 'postgres' && c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      const digits = /^[0-9]+/.exec(sql.slice(i + 1))![0];
      text.push(chunk);
      params.push(Number(digits) - 1);
      chunk = '';
      i += 1 + digits.length;
    } else {
      chunk += c;
      i++;
    }
  }
  text.push(chunk);
  return { text, params };
}

/** Index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\' && quote === "'") i += 2;
    else if (sql[i] === quote && sql[i + 1] === quote) i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  return sql.length;
}
