/** `startCourseService` on the project's real MariaDB and PostgreSQL: database creation, migration, listening. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closedPort,
  createMariaDbDatabase,
  createPostgresDatabase,
  mariadbUrl,
  postgresUrl,
} from '@outflow/testing';
import pino from 'pino';
import { loadConfig, startCourseService } from '../src/index.ts';

const silent = pino({ level: 'silent' });
const draft = {
  name: 'MSA',
  description: 'd',
  teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
  thumbnail: 't',
};

const backends = [
  { dialect: 'mysql', create: createMariaDbDatabase, url: mariadbUrl },
  { dialect: 'postgres', create: createPostgresDatabase, url: postgresUrl },
] as const;

for (const backend of backends) {
  describe(`startCourseService on ${backend.dialect}`, () => {
    it('creates the missing database, migrates, listens, serves, and closes', async () => {
      const testDb = await backend.create('course_start');
      await testDb.drop(); // start from a database that does not exist
      try {
        const config = { ...loadConfig({ DATABASE_URL: testDb.url, OUTBOX_MODE: 'keep' }), port: 0 };
        const service = await startCourseService(config, { logger: silent });
        try {
          assert.match(service.url, /^http:\/\/127\.0\.0\.1:\d+$/);
          assert.equal((await fetch(`${service.url}/ready`)).status, 200);
          const created = await fetch(`${service.url}/courses`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(draft),
          });
          assert.equal(created.status, 201);
          const { courseId } = (await created.json()) as { courseId: string };
          const posted = await fetch(`${service.url}/courses/${courseId}/post`, { method: 'POST' });
          assert.equal(posted.status, 200);
          const course = (await (await fetch(`${service.url}/courses/${courseId}`)).json()) as {
            posted: boolean;
          };
          assert.equal(course.posted, true);
          const count = await service.db.transaction(async (tx) => {
            const r = await tx.query('SELECT COUNT(*) AS n FROM outbox');
            const rows = (Array.isArray(r) ? r[0] : (r as { rows: unknown[] }).rows) as { n: unknown }[];
            return Number(rows[0]?.n);
          });
          assert.equal(count, 2, 'keep mode leaves CourseCreatedEvent and CoursePostedEvent');
        } finally {
          await service.close();
          await service.close(); // idempotent
        }
        await assert.rejects(fetch(`${service.url}/health`));
        await assert.rejects(service.db.ping(), { code: 'DATABASE_UNAVAILABLE' });

        // A second start on the now existing database is fine (CREATE … IF NOT EXISTS everywhere).
        const again = await startCourseService(config, { logger: silent });
        await again.close();
      } finally {
        await testDb.drop();
      }
    });

    it('fails clearly, without the password, when the database cannot be reached', async () => {
      const url = new URL(backend.url('course_unreachable'));
      url.port = String(await closedPort());
      url.password = 'hunter2';
      const config = { ...loadConfig({ DATABASE_URL: url.toString() }), port: 0 };
      await assert.rejects(startCourseService(config, { logger: silent }), (error: Error) => {
        assert.match(error.message, /cannot reach or create the database at .*:\*\*\*@.*: ECONNREFUSED/);
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      });
    });
  });
}
