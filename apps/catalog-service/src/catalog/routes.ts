import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.ts';
import { CourseNotFoundError } from '../errors.ts';
import type { CatalogCourse } from './course.ts';
import { courseIdParamsSchema, listQuerySchema, problems, response } from './schemas.ts';

const tags = ['catalog'];

/** The `/catalog/courses` routes: read-only views of the posted courses. */
export async function catalogRoutes(app: FastifyInstance, { db }: { readonly db: Database }): Promise<void> {
  app.get<{ Querystring: { page: number; size: number } }>(
    '/catalog/courses',
    {
      schema: {
        summary: 'List posted courses',
        description: 'Posted courses, newest registration first, one page at a time.',
        tags,
        querystring: listQuerySchema,
        response: { 200: response('one page of posted courses', 'CatalogPage'), ...problems(400, 500, 503) },
      },
    },
    async (request) => {
      const { page, size } = request.query;
      const { items, total } = await db.transaction((tx) =>
        db.catalog.listPosted(tx, { offset: page * size, limit: size }),
      );
      return { items, page, size, total };
    },
  );

  app.get<{ Params: { courseId: string }; Reply: CatalogCourse }>(
    '/catalog/courses/:courseId',
    {
      schema: {
        summary: 'Get a posted course',
        tags,
        params: courseIdParamsSchema,
        response: { 200: response('the course', 'CatalogCourse'), ...problems(400, 404, 500, 503) },
      },
    },
    async (request) => {
      const courseId = request.params.courseId.toLowerCase();
      const course = await db.transaction((tx) => db.catalog.find(tx, courseId));
      if (course === undefined || !course.posted) throw new CourseNotFoundError(courseId);
      return course;
    },
  );
}
