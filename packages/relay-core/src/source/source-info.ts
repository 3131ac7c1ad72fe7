import type { Struct } from '../schema.ts';

/** Version string in every source block's `source.version` and in the connector plugins (Debezium major). */
export const CONNECTOR_VERSION = '3.0.0-outflow';

/** Values of the source block's `snapshot` field (Debezium 2.x+). */
export type SnapshotMarker =
  | 'true'
  | 'first'
  | 'first_in_data_collection'
  | 'last_in_data_collection'
  | 'last'
  | 'false';

/** The fields every source block starts with, as values. */
export interface CommonSourceValues {
  /** `mysql`, `mariadb`, `postgresql`. */
  readonly connector: string;
  /** `topic.prefix`. */
  readonly serverName: string;
  /** When the change happened in the database, epoch µs (a whole number). */
  readonly tsUs: number;
  readonly snapshot: SnapshotMarker;
  readonly db: string;
  /** Debezium's `sequence` (a JSON array as text), or null. */
  readonly sequence: string | null;
}

/**
 * The values of the common fields of a source block, in the order of `commonSourceFields()`; a source adds
 * its own after them.
 */
export function commonSourceStruct(v: CommonSourceValues): Struct {
  return {
    version: CONNECTOR_VERSION,
    connector: v.connector,
    name: v.serverName,
    ts_ms: Math.floor(v.tsUs / 1000),
    snapshot: v.snapshot,
    db: v.db,
    sequence: v.sequence,
    ts_us: v.tsUs,
    ts_ns: BigInt(v.tsUs) * 1000n,
  };
}
