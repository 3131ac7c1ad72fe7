import { OutboxConfigError } from './errors.ts';
import type {
  OutboxColumns,
  OutboxDialect,
  OutboxMode,
  OutboxOptions,
  ResolvedOutboxOptions,
} from './types.ts';

/** One documented option: its default (if any) and what it means. The README's table mirrors this list. */
export interface OptionSpec {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

/** Debezium Outbox Event Router default column names. */
export const DEFAULT_COLUMNS: Readonly<OutboxColumns> = Object.freeze({
  id: 'id',
  aggregateType: 'aggregatetype',
  aggregateId: 'aggregateid',
  type: 'type',
  payload: 'payload',
  timestamp: 'timestamp',
  tracingSpanContext: 'tracingspancontext',
});

/** Default `maxPayloadBytes`: 1 MiB, the seed's `length = 1048576`. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576;

const DIALECTS: readonly OutboxDialect[] = ['mysql', 'postgres'];
const MODES: readonly OutboxMode[] = ['insert-then-delete', 'keep'];
const COLUMN_KEYS = Object.keys(DEFAULT_COLUMNS) as (keyof OutboxColumns)[];

/** Every option of `createOutbox`, declared once. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  { name: 'dialect', default: '(required)', description: "`'mysql'` (MySQL, MariaDB) or `'postgres'`" },
  { name: 'table', default: "`'outbox'`", description: 'table name, optionally qualified (`public.outbox`)' },
  {
    name: 'columns',
    default: '`id, aggregatetype, aggregateid, type, payload, timestamp, tracingspancontext`',
    description:
      'column names by field (`id`, `aggregateType`, `aggregateId`, `type`, `payload`, `timestamp`, `tracingSpanContext`)',
  },
  { name: 'mode', default: "`'insert-then-delete'`", description: "`'insert-then-delete'` or `'keep'`" },
  {
    name: 'maxPayloadBytes',
    default: '`1048576`',
    description: 'largest payload, in UTF-8 bytes of its JSON text',
  },
  {
    name: 'tracing',
    default: '`false`',
    description:
      'write the active OpenTelemetry span context (an `outbox-write` span) into `tracingSpanContext`, as Debezium reads it; the table needs that column',
  },
];

/** An unquoted SQL identifier Outflow accepts: ASCII letters, digits, `_` and `$`, not starting with a digit. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Longest identifier per dialect: MySQL 64 characters, PostgreSQL 63 bytes (longer names are truncated). */
const MAX_IDENTIFIER_LENGTH: Readonly<Record<OutboxDialect, number>> = { mysql: 64, postgres: 63 };

/** Throws unless `name` is a plain identifier valid for `dialect`. */
export function checkIdentifier(option: string, name: unknown, dialect: OutboxDialect): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new OutboxConfigError(option, name, 'must be an identifier matching /^[A-Za-z_][A-Za-z0-9_$]*$/');
  }
  if (name.length > MAX_IDENTIFIER_LENGTH[dialect]) {
    throw new OutboxConfigError(
      option,
      name,
      `is longer than ${MAX_IDENTIFIER_LENGTH[dialect]} characters, the ${dialect} limit`,
    );
  }
  return name;
}

/** Throws unless `name` is `table` or `schema.table`, each part a valid identifier. */
export function checkTableName(option: string, name: unknown, dialect: OutboxDialect): string {
  if (typeof name !== 'string') throw new OutboxConfigError(option, name, 'must be a string');
  const parts = name.split('.');
  if (parts.length > 2) {
    throw new OutboxConfigError(option, name, 'must be "table" or "schema.table"');
  }
  for (const part of parts) {
    if (!IDENTIFIER.test(part)) {
      throw new OutboxConfigError(
        option,
        name,
        'must be "table" or "schema.table", each part matching /^[A-Za-z_][A-Za-z0-9_$]*$/',
      );
    }
    checkIdentifier(option, part, dialect);
  }
  return name;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Applies defaults to `options` and validates every field, naming the first bad one. */
export function resolveOptions(options: OutboxOptions): ResolvedOutboxOptions {
  if (!isPlainObject(options)) throw new OutboxConfigError('options', options, 'must be an object');
  const known = new Set(OPTION_SPECS.map((spec) => spec.name));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new OutboxConfigError(
        key,
        options[key],
        `is not an option; known options: ${[...known].join(', ')}`,
      );
    }
  }

  const { dialect } = options;
  if (!DIALECTS.includes(dialect)) {
    throw new OutboxConfigError(
      'dialect',
      dialect,
      `must be one of ${DIALECTS.map((d) => `'${d}'`).join(', ')}`,
    );
  }

  const table = checkTableName('table', options.table ?? 'outbox', dialect);

  const given: unknown = options.columns ?? {};
  if (!isPlainObject(given)) throw new OutboxConfigError('columns', given, 'must be an object');
  const columns: OutboxColumns = { ...DEFAULT_COLUMNS };
  for (const [key, value] of Object.entries(given)) {
    if (!(COLUMN_KEYS as string[]).includes(key)) {
      throw new OutboxConfigError(
        `columns.${key}`,
        value,
        `is not a column; known: ${COLUMN_KEYS.join(', ')}`,
      );
    }
    if (value === undefined) continue;
    columns[key as keyof OutboxColumns] = checkIdentifier(`columns.${key}`, value, dialect);
  }
  const seen = new Map<string, string>();
  for (const key of COLUMN_KEYS) {
    // Unquoted MySQL column names are case-insensitive; treat them so for both dialects to stay portable.
    const name = columns[key].toLowerCase();
    const other = seen.get(name);
    if (other !== undefined) {
      throw new OutboxConfigError(`columns.${key}`, columns[key], `is already the column of "${other}"`);
    }
    seen.set(name, key);
  }

  const mode = options.mode ?? 'insert-then-delete';
  if (!MODES.includes(mode)) {
    throw new OutboxConfigError('mode', mode, `must be one of ${MODES.map((m) => `'${m}'`).join(', ')}`);
  }

  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (typeof maxPayloadBytes !== 'number' || !Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 1) {
    throw new OutboxConfigError('maxPayloadBytes', maxPayloadBytes, 'must be a positive integer (bytes)');
  }

  const tracing = options.tracing ?? false;
  if (typeof tracing !== 'boolean') throw new OutboxConfigError('tracing', tracing, 'must be a boolean');

  return Object.freeze({ dialect, table, columns: Object.freeze(columns), mode, maxPayloadBytes, tracing });
}
