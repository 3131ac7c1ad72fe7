import type { TypeModes } from './column-types.ts';
import type { CapturedTable } from './table-schema.ts';
import { convertValue, type ReadPath } from './values.ts';

/** Converts one row (column name → driver value) to the Connect values of the table's emitted columns. */
export function rowToValues(
  table: CapturedTable,
  row: Readonly<Record<string, unknown>>,
  modes: TypeModes,
  read: ReadPath = 'binlog',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { meta, kind } of table.emitted) {
    try {
      out[meta.name] = convertValue(row[meta.name], kind, meta, modes, read);
    } catch (error) {
      throw new Error(
        `cannot convert column ${table.db}.${table.table}.${meta.name} (${meta.columnType}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return out;
}

/** True when the row carries every emitted column (false: the cached schema is out of date). */
export function rowMatchesTable(table: CapturedTable, row: Readonly<Record<string, unknown>>): boolean {
  if (Object.keys(row).length !== table.columns.length) return false;
  return table.columns.every((c) => c.name in row);
}
