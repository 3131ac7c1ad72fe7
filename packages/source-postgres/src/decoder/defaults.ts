import { type ColumnType, Oid } from './values.ts';

/**
 * Column defaults as Debezium's PostgreSQL connector puts them in column schemas (`PostgresDefaultValueConverter`,
 * Debezium 3.x): the expression `pg_get_expr` gives (in the source's session settings, so literals are in the
 * text formats the converters read) is reduced to a literal and converted like a value. A literal is the text
 * of the first quoted string (`'abc'::text`), or the bare expression (`42`, `true`); `NULL::type` is no default;
 * a function call (`nextval(…)`, `now()`) or `CURRENT_TIMESTAMP` & co. gives the type's placeholder (0, false,
 * the epoch, ""), as Debezium does. Types Debezium does not map (bytea, arrays, …) and values that do not parse
 * have no default. Pure.
 */

const FUNCTION_DEFAULT = /^[(]?[A-Za-z0-9_.]+\((?:.+(?:, ?.+)*)?\)/;
const CURRENT_DATE_TIMES = new Set([
  'current_timestamp',
  'current_time',
  'current_date',
  'localtime',
  'localtimestamp',
]);

/** The placeholder of a generated default, by type OID; types absent here have no default at all. */
const PLACEHOLDERS: ReadonlyMap<number, string> = new Map([
  [Oid.bool, 'false'],
  [Oid.bpchar, ''],
  [Oid.varchar, ''],
  [Oid.text, ''],
  [Oid.numeric, '0.0'],
  [Oid.float4, '0.0'],
  [Oid.float8, '0.0'],
  [Oid.int2, '0'],
  [Oid.int4, '0'],
  [Oid.int8, '0'],
  [Oid.json, '{}'],
  [Oid.jsonb, '{}'],
  [Oid.xml, ''],
  [Oid.uuid, '00000000-0000-0000-0000-000000000000'],
  [Oid.date, '1970-01-01'],
  [Oid.time, '00:00'],
  [Oid.timestamp, '1970-01-01'],
  [Oid.timestamptz, '1970-01-01'],
]);

/**
 * The Connect default of a column, or undefined for none. `enumType` marks a user enum (its default is the
 * quoted label before the cast).
 */
export function columnDefault(
  typeOid: number,
  expression: string | null,
  type: ColumnType,
  enumType = false,
): unknown {
  if (expression === null) return undefined;
  const text = enumType ? enumLiteral(expression) : literalOf(typeOid, expression.trim());
  if (text === null || text === undefined) return undefined;
  try {
    const value = type.convert(completeTemporal(typeOid, text));
    // A struct default (VariableScaleDecimal) is not allowed by Connect (KAFKA-12694): Debezium drops it.
    if (value === null || (typeof value === 'object' && !(value instanceof Uint8Array))) return undefined;
    if (typeof value === 'number' && Number.isNaN(value)) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

function literalOf(typeOid: number, expression: string): string | null | undefined {
  const placeholder = PLACEHOLDERS.get(typeOid);
  if (placeholder === undefined) return undefined;
  if (FUNCTION_DEFAULT.test(expression) || CURRENT_DATE_TIMES.has(expression.toLowerCase()))
    return placeholder;
  if (!expression.includes("'")) return expression.startsWith('NULL::') ? null : expression;
  return /'(.*?)'/.exec(expression)?.[1] ?? null;
}

function enumLiteral(expression: string): string | null {
  const cast = expression.lastIndexOf('::');
  if (cast < 0) return null;
  const literal = expression.slice(0, cast);
  return literal.startsWith("'") && literal.endsWith("'") ? literal.slice(1, -1).replace(/''/g, "'") : null;
}

/** Placeholders and date-only literals in the full text format the temporal converters read. */
function completeTemporal(typeOid: number, text: string): string {
  if (typeOid === Oid.timestamp && /^\d{4,}-\d{2}-\d{2}$/.test(text)) return `${text} 00:00:00`;
  if (typeOid === Oid.timestamptz && /^\d{4,}-\d{2}-\d{2}$/.test(text)) return `${text} 00:00:00+00`;
  if (typeOid === Oid.time && /^\d{2}:\d{2}$/.test(text)) return `${text}:00`;
  return text;
}
