/**
 * The catalog service's database: `@outflow/service-kit`'s pool plus the `catalog_course` repository of its
 * dialect. The same pool serves the HTTP routes and (as `inbox`) the event consumer.
 */
import type { InboxDatabase } from '@outflow/inbox';
import type { ServiceDatabase } from '@outflow/service-kit';
import type { CatalogRepository } from '../catalog/catalog-repository.ts';

export type { Dialect, PoolOptions, Transaction } from '@outflow/service-kit';

/** A connection pool to the catalog database. */
export interface Database extends ServiceDatabase {
  /** The `catalog_course` repository for this dialect. */
  readonly catalog: CatalogRepository;
  /** The same pool as the inbox consumer needs it (transactions for handlers, statements for cleanup). */
  readonly inbox: InboxDatabase;
}
