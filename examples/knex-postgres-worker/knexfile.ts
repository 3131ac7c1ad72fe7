import type { Knex } from 'knex';

const config: Knex.Config = {
  client: 'pg',
  connection: process.env.DATABASE_URL ?? 'postgres://outflow:outflow@127.0.0.1:5433/outflow',
  migrations: { directory: './migrations', loadExtensions: ['.ts'] },
};
export default config;
