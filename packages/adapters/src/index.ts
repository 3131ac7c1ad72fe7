/**
 * `@outflow/adapters`: each data layer has its own entry point, so a service installs only the library it
 * uses: `@outflow/adapters/pg`, `/mysql2`, `/mariadb`, `/postgres-js`, `/kysely`, `/drizzle`, `/knex`, `/typeorm`, `/prisma`. Each
 * exports `sqlExecutor(tx)` (for `outbox.write` and the inbox), `inboxDatabase(db)` (for
 * `createInboxConsumer`) and `inboxHandler(fn)` (a handler given the library's own transaction). This root
 * entry holds only what they share.
 *
 * @packageDocumentation
 */
export { AdapterError, type AdapterErrorCode } from './errors.ts';
export type { ExecutorResult } from './executor.ts';
