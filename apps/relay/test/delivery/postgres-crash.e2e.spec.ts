/**
 * Delivery guarantees of the PostgreSQL relay under SIGKILL: 10,000 outbox events written by concurrent
 * writers while the relay process is killed at random moments and restarted. Every event must reach Kafka
 * (none lost) and, per aggregate, arrive first in commit order; duplicates are counted and reported.
 * Real PostgreSQL (pgoutput slot), real Kafka, the relay as its own process. A restarted relay may find the
 * slot still held by the killed one's walsender for a moment; it waits as a standby, then takes over.
 * The scenario is in `../support/crash-scenario.ts`.
 */
import { createPostgresDatabase } from '@outflow/testing';
import { postgresSourceConfig, stringConverters } from '../support/connectors.ts';
import { crashScenario } from '../support/crash-scenario.ts';
import { dropSlots } from '../support/postgres-slots.ts';

const slotOf = (name: string) => `${name}_slot`;

crashScenario({
  prefix: 'pgcrash',
  dialect: 'postgres',
  createDatabase: createPostgresDatabase,
  sourceConfig: (db, name) => postgresSourceConfig({ database: db.name, slot: slotOf(name) }),
  converterConfig: stringConverters,
  cleanup: (name) => dropSlots([slotOf(name)]),
});
