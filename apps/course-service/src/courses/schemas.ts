/**
 * JSON schemas of the course routes. They drive request validation (Ajv), response serialization and the
 * OpenAPI document; shared ones are registered with `app.addSchema` and referenced as `<$id>#`. The generic
 * pieces (UUIDs, pages, problems) come from `@outflow/service-kit`.
 */
import {
  NOT_BLANK_PATTERN,
  pageSchema,
  pagingQuerySchema,
  problemResponses,
  problemSchema,
  uuidParamsSchema,
  uuidSchema,
} from '@outflow/service-kit';

export { response } from '@outflow/service-kit';

/** `Course`: a course as the API returns it. */
export const courseSchema = {
  $id: 'Course',
  type: 'object',
  description: 'A course. Times are epoch milliseconds.',
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

/** `CourseDraft`: the body of `POST /courses`. */
export const courseDraftSchema = {
  $id: 'CourseDraft',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'teacherId', 'thumbnail'],
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: NOT_BLANK_PATTERN,
      examples: ['MSA 파헤치기'],
    },
    description: { type: 'string', maxLength: 10000, examples: ['MSA의 모든 것을 가르쳐 드립니다.'] },
    teacherId: { ...uuidSchema, examples: ['7ead2ed1-77fa-4d70-bdfd-77e67c513bbd'] },
    thumbnail: { type: 'string', maxLength: 1024, examples: ['msa_course.jpeg'] },
  },
} as const;

/** `CourseIdResponse`: `{ courseId }`. */
export const courseIdResponseSchema = {
  $id: 'CourseIdResponse',
  type: 'object',
  required: ['courseId'],
  properties: { courseId: { type: 'string', format: 'uuid' } },
} as const;

/** `CoursePage`: one page of `GET /courses`. */
export const coursePageSchema = pageSchema('CoursePage', 'Course', 'number of courses in all');

/** Schemas to register with `app.addSchema`, in dependency order. */
export const sharedSchemas = [
  courseSchema,
  courseDraftSchema,
  courseIdResponseSchema,
  coursePageSchema,
  problemSchema('COURSE_NOT_FOUND'),
];

/** `{ courseId }` path parameters. */
export const courseIdParamsSchema = uuidParamsSchema('courseId', 'the course id');

/** `?page=0&size=20`. */
export const listQuerySchema = pagingQuerySchema('courses');

/** The problem responses a route may give: `problems(400, 404, 500)`. */
export const problems = problemResponses({ 404: 'no such course', 503: 'database unavailable' });
