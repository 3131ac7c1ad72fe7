/**
 * JSON schemas of the catalog routes: they drive request validation, response serialization and the OpenAPI
 * document. Shared ones are registered with `app.addSchema` and referenced as `<$id>#`. The generic pieces
 * (UUIDs, pages, problems) come from `@outflow/service-kit`.
 */
import {
  pageSchema,
  pagingQuerySchema,
  problemResponses,
  problemSchema,
  uuidParamsSchema,
} from '@outflow/service-kit';

export { response } from '@outflow/service-kit';

/** `CatalogCourse`: a posted course as the catalog serves it. */
export const catalogCourseSchema = {
  $id: 'CatalogCourse',
  type: 'object',
  description: 'A posted course. Times are epoch milliseconds.',
  required: [
    'courseId',
    'name',
    'description',
    'teacherId',
    'thumbnail',
    'posted',
    'registeredAt',
    'lastUpdatedAt',
  ],
  properties: {
    courseId: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    description: { type: 'string' },
    teacherId: { type: 'string', format: 'uuid' },
    thumbnail: { type: 'string' },
    posted: { type: 'boolean' },
    registeredAt: { type: 'integer', description: 'epoch milliseconds', examples: [1676458941000] },
    lastUpdatedAt: { type: 'integer', description: 'epoch milliseconds', examples: [1676598812000] },
  },
} as const;

/** `CatalogPage`: one page of `GET /catalog/courses`. */
export const catalogPageSchema = pageSchema(
  'CatalogPage',
  'CatalogCourse',
  'number of posted courses in all',
);

/** Schemas to register with `app.addSchema`, in dependency order. */
export const sharedSchemas = [catalogCourseSchema, catalogPageSchema, problemSchema('COURSE_NOT_FOUND')];

/** `{ courseId }` path parameters. */
export const courseIdParamsSchema = uuidParamsSchema('courseId', 'the course id');

/** `?page=0&size=20`. */
export const listQuerySchema = pagingQuerySchema('courses');

/** The problem responses a route may give: `problems(400, 404, 500)`. */
export const problems = problemResponses({
  404: 'no such posted course',
  503: 'database unavailable, or the event consumer stopped',
});
