import { mysqlConnectorPlugin } from '@outflow/source-mysql';
import { transformPlugins } from '@outflow/transforms';
import { createPluginRegistry, type PluginRegistry } from './plugins.ts';

/** The plugins Outflow ships: the MySQL/MariaDB source and the outbox EventRouter. */
export function defaultPlugins(): PluginRegistry {
  return createPluginRegistry({ connectors: [mysqlConnectorPlugin], transforms: transformPlugins });
}
