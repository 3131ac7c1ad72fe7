import { migration } from '@outflow/adapters/knex';
import { createInbox } from '@outflow/inbox';

// Outflow's inbox table, as a Knex migration.
export const { up, down } = migration(createInbox({ dialect: 'postgres' }));
