import { mysqlConnectorPlugin } from '@outflow/source-mysql';
import { postgresConnectorPlugin } from '@outflow/source-postgres';
import { transformPlugins } from '@outflow/transforms';
import { createPluginRegistry, type PluginRegistry } from './plugins.ts';

/** The plugins Outflow ships: the MySQL/MariaDB and PostgreSQL sources and the outbox EventRouter. */
export function defaultPlugins(): PluginRegistry {
  return createPluginRegistry({
    connectors: [mysqlConnectorPlugin, postgresConnectorPlugin],
    transforms: transformPlugins,
  });
}
