import { randomBytes } from 'node:crypto';

/** Host the project's local services listen on (`OUTFLOW_HOST`, default 127.0.0.1). */
export const host = process.env.OUTFLOW_HOST ?? '127.0.0.1';
/** MariaDB port of the project's instance (`OUTFLOW_MARIADB_PORT`, default 3307). */
export const mariadbPort = Number(process.env.OUTFLOW_MARIADB_PORT ?? 3307);
/** PostgreSQL port of the project's cluster (`OUTFLOW_POSTGRES_PORT`, default 5433). */
export const postgresPort = Number(process.env.OUTFLOW_POSTGRES_PORT ?? 5433);
/** Kafka bootstrap address of the project's broker (`OUTFLOW_KAFKA_PORT`, default 9092). */
export const kafkaBootstrap = `${host}:${Number(process.env.OUTFLOW_KAFKA_PORT ?? 9092)}`;

/** A name unique to this run, safe as a database, table or topic name: `<prefix>_<hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}
