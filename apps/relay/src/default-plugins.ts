// The plugins' own entry points: their task modules, and the drivers with them, load when a connector runs.
import { mysqlConnectorPlugin } from '@outflow/source-mysql/plugin';
import { postgresConnectorPlugin } from '@outflow/source-postgres/plugin';
import { transformPlugins } from '@outflow/transforms';
import { createPluginRegistry, type PluginRegistry } from './plugins.ts';

/** The plugins Outflow ships: the MySQL/MariaDB and PostgreSQL sources and the outbox EventRouter. */
export function defaultPlugins(): PluginRegistry {
  return createPluginRegistry({
    connectors: [mysqlConnectorPlugin, postgresConnectorPlugin],
    transforms: transformPlugins,
  });
}
