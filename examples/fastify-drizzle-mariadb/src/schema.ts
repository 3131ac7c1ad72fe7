import { datetime, json, mysqlTable, varchar } from 'drizzle-orm/mysql-core';

/** The service's own table. */
export const courses = mysqlTable('courses', {
  id: varchar('id', { length: 36 }).primaryKey(),
  name: varchar('name', { length: 200 }).notNull(),
  teacherId: varchar('teacher_id', { length: 36 }).notNull(),
});

/**
 * The outbox table as a Drizzle schema, so drizzle-kit knows it; the columns are those `outbox.ddl()` creates
 * (Debezium's Outbox Event Router names). Outflow writes to it; the service never reads it.
 */
export const outboxTable = mysqlTable('outbox', {
  id: varchar('id', { length: 36 }).primaryKey(),
  aggregatetype: varchar('aggregatetype', { length: 255 }).notNull(),
  aggregateid: varchar('aggregateid', { length: 255 }).notNull(),
  type: varchar('type', { length: 255 }).notNull(),
  payload: json('payload'),
  timestamp: datetime('timestamp', { fsp: 6 }),
});
