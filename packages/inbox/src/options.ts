import { InboxConfigError } from './errors.ts';
import type { InboxDialect } from './types.ts';

/** One documented option: its default and what it means. The README's tables mirror these lists. */
export interface OptionSpec {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

const DIALECTS: readonly InboxDialect[] = ['mysql', 'postgres'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** Every option of `createInbox`, declared once. */
export const INBOX_OPTION_SPECS: readonly OptionSpec[] = [
  { name: 'dialect', default: '(required)', description: "`'mysql'` (MySQL, MariaDB) or `'postgres'`" },
  { name: 'table', default: "`'inbox'`", description: 'table name, optionally qualified (`public.inbox`)' },
];

/** Throws {@link InboxConfigError} naming `option` unless `value` is one of `allowed`. */
export function checkDialect(option: string, value: unknown): InboxDialect {
  if (!DIALECTS.includes(value as InboxDialect)) {
    throw new InboxConfigError(option, value, `must be one of ${DIALECTS.map((d) => `'${d}'`).join(', ')}`);
  }
  return value as InboxDialect;
}

/** Throws unless `name` is `table` or `schema.table`, each part a plain identifier of at most 63 characters. */
export function checkTableName(option: string, name: unknown): string {
  if (
    typeof name !== 'string' ||
    name.split('.').length > 2 ||
    !name.split('.').every((p) => IDENTIFIER.test(p))
  ) {
    throw new InboxConfigError(
      option,
      name,
      'must be "table" or "schema.table", each part matching /^[A-Za-z_][A-Za-z0-9_$]*$/ (at most 63 characters)',
    );
  }
  return name;
}

/** Throws unless `value` (when defined) is an integer within bounds. */
export function checkInteger(option: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InboxConfigError(option, value, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Throws unless `value` (when defined) is a non-empty string. */
export function checkString(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InboxConfigError(option, value, 'must be a non-empty string');
  }
  return value;
}

/** Throws unless `value` (when defined) is a function. */
export function checkFunction<F>(option: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InboxConfigError(option, value, 'must be a function');
  return value as F;
}

/** True for a plain object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rejects keys of `options` that no spec declares, listing the known ones. */
export function rejectUnknown(
  options: Record<string, unknown>,
  specs: readonly OptionSpec[],
  prefix = '',
): void {
  const known = new Set(
    specs
      .filter((s) => s.name.startsWith(prefix))
      .map((s) => s.name.slice(prefix.length).split('.')[0] ?? ''),
  );
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new InboxConfigError(
        `${prefix}${key}`,
        options[key],
        `is not an option; known: ${[...known].join(', ')}`,
      );
    }
  }
}
