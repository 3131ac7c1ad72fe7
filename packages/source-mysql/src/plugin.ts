import { CONNECTOR_VERSION, type Logger, type SourceConnectorPlugin } from '@outflow/relay-core';
import { acceptsMySqlProperty, mysqlConfigDef, toMySqlSourceConfig, validateMySqlConfig } from './config.ts';

const MYSQL_CLASS = 'io.debezium.connector.mysql.MySqlConnector';
const MARIADB_CLASS = 'io.debezium.connector.mariadb.MariaDbConnector';

/**
 * Debezium's MySQL and MariaDB connectors (`connector.class`). The worker passes the parsed properties and,
 * under `connector.class`, which of the two was configured (`source.connector` is "mysql" or "mariadb").
 */
export const mysqlConnectorPlugin: SourceConnectorPlugin = {
  classNames: [MYSQL_CLASS, MARIADB_CLASS],
  version: CONNECTOR_VERSION,
  configDef: mysqlConfigDef,
  acceptsProperty: acceptsMySqlProperty,
  validate: validateMySqlConfig,
  async createTask(values: Readonly<Record<string, unknown>>, logger: Logger) {
    const className = values['connector.class'];
    const connector = className === MARIADB_CLASS ? 'mariadb' : 'mysql';
    const config = toMySqlSourceConfig(values, connector);
    // The binlog client and the MySQL driver load with the first MySQL/MariaDB connector, not with the relay.
    const { MySqlSourceTask } = await import('./mysql-source-task.ts');
    return new MySqlSourceTask(config, logger);
  },
};
