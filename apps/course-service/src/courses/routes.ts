import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.ts';
import type { Course, CourseDraft } from './course.ts';
import type { CourseService } from './course-service.ts';
import { courseIdParamsSchema, listQuerySchema, problems, response } from './schemas.ts';

/** What the course routes need. */
export interface CourseRoutesOptions {
  readonly db: Database;
  readonly service: CourseService;
}

interface CourseIdParams {
  courseId: string;
}

const tags = ['courses'];

/**
 * The `/courses` routes. Each handler opens one transaction with `db.transaction` and hands it to the service,
 * so the course change and its outbox row commit together.
 */
export async function courseRoutes(
  app: FastifyInstance,
  { db, service }: CourseRoutesOptions,
): Promise<void> {
  app.post<{ Body: CourseDraft }>(
    '/courses',
    {
      schema: {
        summary: 'Register a course',
        description: 'Creates an unposted course and emits `CourseCreatedEvent` through the outbox.',
        tags,
        body: { $ref: 'CourseDraft#' },
        response: { 201: response('the course was created', 'CourseIdResponse'), ...problems(400, 500, 503) },
      },
    },
    async (request, reply) => {
      const course = await db.transaction((tx) => service.create(tx, request.body));
      return reply
        .code(201)
        .header('location', `/courses/${course.courseId}`)
        .send({ courseId: course.courseId });
    },
  );

  app.get<{ Querystring: { page: number; size: number } }>(
    '/courses',
    {
      schema: {
        summary: 'List courses',
        description: 'Courses newest first, one page at a time.',
        tags,
        querystring: listQuerySchema,
        response: { 200: response('one page of courses', 'CoursePage'), ...problems(400, 500, 503) },
      },
    },
    async (request) => {
      const { page, size } = request.query;
      const { items, total } = await db.transaction((tx) => service.list(tx, { page, size }));
      return { items, page, size, total };
    },
  );

  app.get<{ Params: CourseIdParams; Reply: Course }>(
    '/courses/:courseId',
    {
      schema: {
        summary: 'Get a course',
        tags,
        params: courseIdParamsSchema,
        response: { 200: response('the course', 'Course'), ...problems(400, 404, 500, 503) },
      },
    },
    async (request) => db.transaction((tx) => service.get(tx, request.params.courseId)),
  );

  for (const action of ['post', 'unpost'] as const) {
    const event = action === 'post' ? 'CoursePostedEvent' : 'CourseUnpostedEvent';
    app.post<{ Params: CourseIdParams }>(
      `/courses/:courseId/${action}`,
      {
        schema: {
          summary: action === 'post' ? 'Post a course' : 'Unpost a course',
          description:
            `Sets \`posted\` to ${action === 'post'} and emits \`${event}\`. Idempotent: if the course already is ` +
            'in that state nothing changes and nothing is emitted (still 200). Concurrent calls emit one event.',
          tags,
          params: courseIdParamsSchema,
          response: {
            200: response('done (or nothing to do)', 'CourseIdResponse'),
            ...problems(400, 404, 500, 503),
          },
        },
      },
      async (request) => {
        const { course } = await db.transaction((tx) => service[action](tx, request.params.courseId));
        return { courseId: course.courseId };
      },
    );
  }
}
