/**
 * Delivery guarantees of the MySQL/MariaDB relay under SIGKILL: 10,000 outbox events written by concurrent
 * writers while the relay process is killed at random moments and restarted. Every event must reach Kafka
 * (none lost) and, per aggregate, arrive first in commit order; duplicates are counted and reported.
 * Real MariaDB, real Kafka, the relay as its own process. The scenario is in `../support/crash-scenario.ts`.
 */
import { createMariaDbDatabase } from '@outflow/testing';
import { mysqlSourceConfig } from '../support/connectors.ts';
import { crashScenario } from '../support/crash-scenario.ts';

crashScenario({
  prefix: 'crash',
  dialect: 'mysql',
  createDatabase: createMariaDbDatabase,
  sourceConfig: (db) => mysqlSourceConfig({ database: db.name, onlyDatabase: true }),
});
