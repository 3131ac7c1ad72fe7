import { createOutbox } from '@outflow/outbox';
import { drizzle } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';

/** The outbox the course events are written to (MySQL/MariaDB dialect). */
export const outbox = createOutbox({ dialect: 'mysql' });

/** A Drizzle database on `DATABASE_URL`. */
export function connect(url = process.env.DATABASE_URL ?? 'mysql://outflow:outflow@127.0.0.1:3307/courses') {
  const pool = mysql.createPool({ uri: url, connectionLimit: 5 });
  return { db: drizzle({ client: pool }), pool };
}
