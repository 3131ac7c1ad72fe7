import { randomUUID } from 'node:crypto';
import { sqlExecutor } from '@outflow/adapters/drizzle';
import Fastify from 'fastify';
import { connect, outbox } from './db.ts';
import { courses } from './schema.ts';

const { db, pool } = connect();
const app = Fastify({ logger: true });

app.post<{ Body: { name: string; teacherId: string } }>(
  '/courses',
  {
    schema: {
      body: {
        type: 'object',
        required: ['name', 'teacherId'],
        properties: { name: { type: 'string', minLength: 1 }, teacherId: { type: 'string', format: 'uuid' } },
      },
    },
  },
  async (request, reply) => {
    const course = { id: randomUUID(), ...request.body };
    // The course row and its event commit together, or neither does.
    await db.transaction(async (tx) => {
      await tx.insert(courses).values(course);
      await outbox.write(sqlExecutor(tx, { dialect: 'mysql' }), {
        aggregateType: 'Course',
        aggregateId: course.id,
        type: 'CourseCreated',
        payload: course,
      });
    });
    return reply.code(201).send(course);
  },
);

app.addHook('onClose', () => pool.end());
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.close());
