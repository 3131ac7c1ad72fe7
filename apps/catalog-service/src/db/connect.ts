import { connectPool, type PoolOptions } from '@outflow/service-kit';
import type { Database } from './database.ts';
import { createMysqlCatalogRepository } from './mysql/catalog-repository.ts';
import { createPostgresCatalogRepository } from './postgres/catalog-repository.ts';

export { ensureDatabaseExists } from '@outflow/service-kit';

/** Opens a pool on the database at `url`; the scheme picks MySQL/MariaDB or PostgreSQL. Connects lazily. */
export function connectDatabase(url: string, options: PoolOptions = {}): Database {
  const pool = connectPool(url, options);
  const catalog =
    pool.dialect === 'mysql' ? createMysqlCatalogRepository() : createPostgresCatalogRepository();
  // A SqlPool is an InboxDatabase as it is (dialect, transaction, execute).
  return { ...pool, catalog, inbox: pool };
}
