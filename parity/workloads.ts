/**
 * What the parity run does to each database: a table of every column type (snapshotted rows, then
 * streamed inserts, an update and a delete) and a Debezium outbox table (a snapshotted row, then the
 * insert-then-delete of the outbox pattern), and the connector properties both sides share.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

/** One database's workload. */
export interface Workload {
  readonly target: 'mariadb' | 'postgres';
  /** Creates the tables and the rows the snapshot reads. */
  setup(): Promise<void>;
  /** The changes the stream carries. */
  stream(): Promise<void>;
  /** Rows around an ALTER TABLE (add, drop, retype, rename columns), applied while the relay is stopped. */
  ddl(): Promise<void>;
  /** Connector properties of one connector (`mode`: raw, decimal string/double, Event Router). */
  connector(options: {
    name: string;
    prefix: string;
    mode: ConnectorMode;
    unique: string;
  }): Record<string, string>;
  close(): Promise<void>;
}

/** The connectors each side runs. */
export type ConnectorMode = 'raw' | 'str' | 'dbl' | 'rtr';

/** Every mode, with what it covers. */
export const MODES: readonly ConnectorMode[] = ['raw', 'str', 'dbl', 'rtr'];

const router = (prefix: string): Record<string, string> => ({
  transforms: 'outbox',
  'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
  'transforms.outbox.route.topic.replacement': `${prefix}.outbox.\${routedByValue}`,
  'transforms.outbox.table.expand.json.payload': 'true',
  'transforms.outbox.table.fields.additional.placement': 'type:header:eventType',
});

const decimalMode = (mode: ConnectorMode): Record<string, string> =>
  mode === 'str'
    ? { 'decimal.handling.mode': 'string' }
    : mode === 'dbl'
      ? { 'decimal.handling.mode': 'double' }
      : {};

/** The MariaDB workload in database `db`. */
export function mariadbWorkload(options: {
  host: string;
  port: number;
  db: string;
  bootstrap: string;
}): Workload {
  const url = `mysql://outflow:outflow@${options.host}:${options.port}/${options.db}`;
  let conn: mysql.Connection | undefined;
  const q = async (sql: string) => {
    conn ??= await mysql.createConnection({ uri: url, multipleStatements: true, timezone: 'Z' });
    await conn.query(sql);
  };
  return {
    target: 'mariadb',
    async setup() {
      await q(`SET time_zone = '+00:00';
        CREATE TABLE types (
          id INT NOT NULL PRIMARY KEY,
          ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
          i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
          dec1 DECIMAL(10,2), dec0 DECIMAL(5,0), decn DECIMAL(30,10),
          f FLOAT, d DOUBLE, b BOOLEAN, bt1 BIT(1), bt10 BIT(10),
          c CHAR(5), vc VARCHAR(50), tx TEXT, bn BINARY(4), vb VARBINARY(10), bl BLOB,
          dt DATE, dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP NULL, ts3 TIMESTAMP(3) NULL,
          tm TIME, tm6 TIME(6), y YEAR, e ENUM('a','b','c'), st SET('x','y','z'), j JSON, u UUID,
          dflt INT NOT NULL DEFAULT 42, dstr VARCHAR(10) DEFAULT 'abc', ddec DECIMAL(6,2) NOT NULL DEFAULT 1.50,
          n INT NULL
        ) DEFAULT CHARSET=utf8mb4;
        CREATE TABLE outbox (
          id CHAR(36) NOT NULL PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL, aggregateid VARCHAR(255) NOT NULL,
          type VARCHAR(255) NOT NULL, payload JSON
        ) DEFAULT CHARSET=utf8mb4;
        INSERT INTO types (id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, dec1, dec0, decn, f, d, b, bt1, bt10, c, vc,
          tx, bn, vb, bl, dt, dtm, dtm3, dtm6, ts, ts3, tm, tm6, y, e, st, j, u) VALUES
          (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808,
           18446744073709551615, -12345678.91, 99999, 12345678901234567890.0123456789, 1.5, -2.25e-300, TRUE, b'1',
           b'1010101010', 'ab', 'héllo 😀 wörld', 'long text', x'00ff00ff', x'0102', x'deadbeef', '1000-01-01',
           '9999-12-31 23:59:59', '2024-02-29 12:34:56.789', '1970-01-01 00:00:00.000001', '2038-01-19 03:14:07',
           '2024-02-29 12:34:56.100', '-838:59:59', '12:34:56.123456', 1901, 'c', 'x,z', '{"a":[1,2,{"b":null}]}',
           '858685f3-e89d-11f1-b3bc-02fc00000001'),
          (2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.00, 0, 0, 0, 0, FALSE, b'0', b'0', '', '', '', x'00000000', x'', x'',
           '2024-01-01', '2024-01-01 00:00:00', '2024-01-01 00:00:00.000', '2024-01-01 00:00:00.000000',
           '2024-01-01 00:00:01', '2024-01-01 00:00:01.000', '00:00:00', '00:00:00.000000', 2155, 'a', '', '{}',
           '00000000-0000-0000-0000-000000000000');
        INSERT INTO outbox VALUES ('11111111-1111-1111-1111-111111111111', 'Course', 'c-1', 'CourseCreatedEvent',
          '{"name":"snapshot","n":1,"f":1.5,"ok":true}');`);
    },
    async stream() {
      await q(`SET time_zone = '+00:00';
        INSERT INTO types (id, ti, dec1, decn, f, d, vc, dtm6, ts3, tm, e, st, j, n) VALUES
          (3, 7, 1.05, -0.0000000001, 3.4e38, 1e-5, '𝄞 streamed', '2024-06-01 01:02:03.5', '2024-06-01 01:02:03.000',
           '838:59:59', 'b', 'y', '[1,"two",3.5]', 5),
          (4, 8, 999.99, 1, -1.25, 123456789.125, 'to delete', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        UPDATE types SET vc = 'updated', dec1 = -0.01, n = NULL WHERE id = 3;
        DELETE FROM types WHERE id = 4;
        BEGIN;
        INSERT INTO outbox VALUES ('22222222-2222-2222-2222-222222222222', 'Course', 'c-2', 'CoursePostedEvent',
          '{"name":"stream ✓","tags":["a","b"],"price":12.5,"big":12345678901,"nested":{"x":null}}');
        DELETE FROM outbox WHERE id = '22222222-2222-2222-2222-222222222222';
        COMMIT;
        INSERT INTO outbox VALUES ('33333333-3333-3333-3333-333333333333', 'Teacher', 't-1', 'TeacherJoinedEvent',
          '"just a string"');`);
    },
    async ddl() {
      await q(`INSERT INTO types (id, ti, vc, n) VALUES (5, 1, 'before alter', 3);
        ALTER TABLE types ADD COLUMN added INT NOT NULL DEFAULT 5, DROP COLUMN tx, MODIFY c VARCHAR(30),
          CHANGE COLUMN n renamed BIGINT;
        INSERT INTO types (id, ti, vc, added, c, renamed) VALUES (6, 2, 'after alter', 6, 'longer text here', 9007199254740993);
        UPDATE types SET vc = 'updated after alter' WHERE id = 5;`);
    },
    connector({ name, prefix, mode, unique }) {
      return {
        name,
        'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
        'tasks.max': '1',
        'database.hostname': options.host,
        'database.port': String(options.port),
        'database.user': 'outflow',
        'database.password': 'outflow',
        'database.server.id': unique,
        'topic.prefix': prefix,
        'database.include.list': options.db,
        'table.include.list':
          mode === 'rtr'
            ? `${options.db}\\.outbox`
            : mode === 'raw'
              ? `${options.db}\\..*`
              : `${options.db}\\.types`,
        'schema.history.internal.kafka.bootstrap.servers': options.bootstrap,
        'schema.history.internal.kafka.topic': `${prefix}.history`,
        ...decimalMode(mode),
        ...(mode === 'rtr' ? router(prefix) : {}),
      };
    },
    async close() {
      await conn?.end();
    },
  };
}

/** The PostgreSQL workload in database `db`. */
export function postgresWorkload(options: { host: string; port: number; db: string }): Workload {
  let client: pg.Client | undefined;
  const q = async (sql: string) => {
    if (client === undefined) {
      client = new pg.Client({
        host: options.host,
        port: options.port,
        user: 'outflow',
        password: 'outflow',
        database: options.db,
      });
      await client.connect();
    }
    await client.query(sql);
  };
  return {
    target: 'postgres',
    async setup() {
      await q(`SET TimeZone = 'UTC';
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TABLE types (
          id serial PRIMARY KEY, i2 int2, i4 int4, i8 int8, num numeric(10,2), numv numeric, f4 float4, f8 float8,
          b bool, t text, vc varchar(40), c char(5), by bytea, d date, tm time, tm3 time(3), tmtz timetz,
          ts timestamp, ts3 timestamp(3), tstz timestamptz, tstz3 timestamptz(3), tstz0 timestamptz(0),
          iv interval, u uuid, j json, jb jsonb, m mood, ia int4[], ta text[],
          dflt int NOT NULL DEFAULT 42, dstr text NOT NULL DEFAULT 'abc', dnum numeric(6,2) NOT NULL DEFAULT 1.50,
          dm mood NOT NULL DEFAULT 'ok', n int
        );
        CREATE TABLE outbox (
          id uuid PRIMARY KEY, aggregatetype varchar(255) NOT NULL, aggregateid varchar(255) NOT NULL,
          type varchar(255) NOT NULL, payload jsonb
        );
        INSERT INTO types (i2, i4, i8, num, numv, f4, f8, b, t, vc, c, by, d, tm, tm3, tmtz, ts, ts3, tstz, tstz3, tstz0,
          iv, u, j, jb, m, ia, ta) VALUES
          (-32768, -2147483648, -9223372036854775808, -12345678.91, 0.000123, 1.5, -2.25e-300, true, 'héllo 😀',
           'wörld', 'ab', '\\xdeadbeef', '0001-01-01', '23:59:59.999999', '12:34:56.789', '10:15:30.25+02',
           '1970-01-01 00:00:00.000001', '2024-02-29 12:34:56.789', '2024-02-29 23:59:59.5+02',
           '2024-01-02 03:04:01+00', '2024-01-02 03:04:01+00', 'P1Y2M3DT4H5M6.5S',
           'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b": [1, 2]}', 'happy', '{1,2,3}', '{"a b",NULL,"c,d"}'),
          (0, 0, 0, 0, 0, 0, 0, false, '', '', '', '\\x', '2024-01-01', '00:00:00', '00:00:00', '00:00:00+00',
           '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2024-01-01 00:00:00+00', '2024-01-01 00:00:00+00',
           '2024-01-01 00:00:00+00', 'PT0S', '00000000-0000-0000-0000-000000000000', '{}', '{}', 'sad', '{}', '{}');
        INSERT INTO outbox VALUES ('11111111-1111-1111-1111-111111111111', 'Course', 'c-1', 'CourseCreatedEvent',
          '{"name":"snapshot","n":1,"f":1.5,"ok":true}');`);
    },
    async stream() {
      await q(`
        INSERT INTO types (i2, num, numv, f4, f8, t, tstz3, iv, m, ia, n) VALUES
          (7, 1.05, -1.5, 3.4028235e38, 1e-5, '𝄞 streamed', '2024-06-01 01:02:03.5+00', '-1 day', 'ok', '{4}', 5),
          (8, 999.99, 12345678901234567890.123, -1.25, 123456789.125, 'to delete', NULL, NULL, 'sad', NULL, NULL);
        UPDATE types SET t = 'updated', num = -0.01, n = NULL WHERE id = 3;
        DELETE FROM types WHERE id = 4;
        BEGIN;
        INSERT INTO outbox VALUES ('22222222-2222-2222-2222-222222222222', 'Course', 'c-2', 'CoursePostedEvent',
          '{"name":"stream ✓","tags":["a","b"],"price":12.5,"big":12345678901,"nested":{"x":null}}');
        DELETE FROM outbox WHERE id = '22222222-2222-2222-2222-222222222222';
        COMMIT;
        INSERT INTO outbox VALUES ('33333333-3333-3333-3333-333333333333', 'Teacher', 't-1', 'TeacherJoinedEvent',
          '"just a string"');`);
    },
    async ddl() {
      await q(`INSERT INTO types (i2, t, n) VALUES (9, 'before alter', 3);
        ALTER TABLE types ADD COLUMN added int NOT NULL DEFAULT 5, DROP COLUMN c, ALTER COLUMN i4 TYPE bigint;
        ALTER TABLE types RENAME COLUMN n TO renamed;
        INSERT INTO types (i2, t, added, renamed) VALUES (10, 'after alter', 6, 7);
        UPDATE types SET t = 'updated after alter' WHERE id = 5;`);
    },
    connector({ name, prefix, mode, unique }) {
      return {
        name,
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'tasks.max': '1',
        'database.hostname': options.host,
        'database.port': String(options.port),
        'database.user': 'outflow',
        'database.password': 'outflow',
        'database.dbname': options.db,
        'plugin.name': 'pgoutput',
        'slot.name': unique,
        'publication.name': `${unique}_pub`,
        'publication.autocreate.mode': 'filtered',
        'topic.prefix': prefix,
        'table.include.list':
          mode === 'rtr' ? 'public.outbox' : mode === 'raw' ? 'public.types,public.outbox' : 'public.types',
        ...decimalMode(mode),
        ...(mode === 'rtr' ? router(prefix) : {}),
      };
    },
    async close() {
      await client?.end();
    },
  };
}
