import { type ColumnMeta, parseMembers, type TypeModes, valueKindOf } from './column-types.ts';

/**
 * A column as the binlog's own table map describes it (`binlog_row_metadata=FULL`, decoded by zongji into
 * information_schema-shaped rows): the definition the row was written under, which information_schema no
 * longer shows once the table was altered.
 */
export interface WrittenColumn {
  readonly COLUMN_NAME: string;
  /** Lower-case type as information_schema would show it: `int unsigned`, `decimal(10,2)`, `enum('a','b')`. */
  readonly COLUMN_TYPE: string;
  readonly CHARACTER_SET_NAME?: string | null;
}

/**
 * The columns a row was written with: each column the current definition still has with the same type keeps
 * its full description (nullability, default, JSON); a column added, retyped or dropped since is described
 * from the table map alone, optional and without a default (the binlog carries neither). Pure.
 */
export function writtenColumns(
  current: readonly ColumnMeta[],
  written: readonly WrittenColumn[],
  modes: TypeModes,
): ColumnMeta[] {
  const byName = new Map(current.map((c) => [c.name, c]));
  return written.map((w) => {
    const derived = columnFromTableMap(w);
    const now = byName.get(w.COLUMN_NAME);
    return now !== undefined && sameType(now, derived, modes) ? now : derived;
  });
}

/** A column description from a table map entry alone. */
export function columnFromTableMap(w: WrittenColumn): ColumnMeta {
  const columnType = w.COLUMN_TYPE.toLowerCase()
    .replace(/\s*\/\*.*\*\/\s*/g, '')
    .trim();
  const dataType = /^[a-z]+/.exec(columnType)?.[0] ?? columnType;
  const args = /\(([^)]*)\)/.exec(columnType)?.[1] ?? '';
  const numbers = args.split(',').map((n) => Number(n.trim()));
  const temporal = dataType === 'datetime' || dataType === 'timestamp' || dataType === 'time';
  return {
    name: w.COLUMN_NAME,
    dataType,
    columnType,
    nullable: true,
    defaultValue: null,
    defaultIsExpression: false,
    unsigned: /\bunsigned\b/.test(columnType),
    precision:
      dataType === 'decimal' || dataType === 'bit'
        ? Number.isFinite(numbers[0])
          ? numbers[0]!
          : null
        : null,
    scale: dataType === 'decimal' && Number.isFinite(numbers[1]) ? numbers[1]! : null,
    fsp: temporal && Number.isFinite(numbers[0]) ? numbers[0]! : 0,
    length: null,
    json: dataType === 'json',
    members: dataType === 'enum' || dataType === 'set' ? parseMembers(columnType) : [],
  };
}

function sameType(now: ColumnMeta, derived: ColumnMeta, modes: TypeModes): boolean {
  const kind = valueKindOf(now, modes);
  const derivedKind = valueKindOf(derived, modes);
  // MariaDB's JSON is LONGTEXT in the binlog; the current definition knows it is JSON.
  // MariaDB's UUID, INET4 and INET6 are fixed binary values in the binlog.
  const compatible =
    kind === derivedKind ||
    (kind === 'json' && derived.dataType === 'longtext') ||
    (['uuid', 'inet4', 'inet6'].includes(now.dataType) && derived.dataType === 'binary');
  return (
    compatible &&
    now.unsigned === derived.unsigned &&
    (derived.precision === null || now.precision === derived.precision) &&
    (derived.scale === null || now.scale === derived.scale) &&
    now.fsp === derived.fsp &&
    now.members.join('\u0000') === derived.members.join('\u0000')
  );
}
