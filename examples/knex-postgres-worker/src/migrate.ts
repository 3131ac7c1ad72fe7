import knexFactory from 'knex';
import config from '../knexfile.ts';

// `knex migrate:latest` does the same; running it from code needs no CLI loader for the .ts files.
const knex = knexFactory(config);
const [batch, done] = (await knex.migrate.latest()) as [number, string[]];
console.log(`migration batch ${batch}: ${done.join(', ') || 'already up to date'}`);
await knex.destroy();
