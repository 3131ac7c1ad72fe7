/**
 * JSON schemas of the course routes. They drive request validation (Ajv), response serialization and the
 * OpenAPI document; shared ones are registered with `app.addSchema` and referenced as `<$id>#`.
 */

/** Lower- or upper-case hex UUID, nothing around it (Ajv's `uuid` format also accepts a `urn:uuid:` prefix). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** At least one character that is not white space. */
export const NOT_BLANK_PATTERN = '\\S';

const uuid = { type: 'string', format: 'uuid', pattern: UUID_PATTERN } as const;

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
    teacherId: { ...uuid, examples: ['7ead2ed1-77fa-4d70-bdfd-77e67c513bbd'] },
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
export const coursePageSchema = {
  $id: 'CoursePage',
  type: 'object',
  required: ['items', 'page', 'size', 'total'],
  properties: {
    items: { type: 'array', items: { $ref: 'Course#' } },
    page: { type: 'integer', description: 'page number, from 0' },
    size: { type: 'integer', description: 'page size asked for' },
    total: { type: 'integer', description: 'number of courses in all' },
  },
} as const;

/** `Problem`: RFC 9457 problem details, plus the stable `code` and, for 400, the invalid fields. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', examples: ['urn:outflow:problem:course-not-found'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', examples: ['COURSE_NOT_FOUND'] },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/** Schemas to register with `app.addSchema`, in dependency order. */
export const sharedSchemas = [
  courseSchema,
  courseDraftSchema,
  courseIdResponseSchema,
  coursePageSchema,
  problemSchema,
];

/** `{ courseId }` path parameters. */
export const courseIdParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['courseId'],
  properties: { courseId: { ...uuid, description: 'the course id' } },
} as const;

/** `?page=0&size=20`. */
export const listQuerySchema = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0, description: 'page number, from 0' },
    size: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'courses per page' },
  },
} as const;

/** A response described by a shared schema, with its media type (problems are `application/problem+json`). */
export function response(description: string, ref: string, mediaType = 'application/json') {
  return { description, content: { [mediaType]: { schema: { $ref: `${ref}#` } } } };
}

/** The problem responses a route may give. */
export function problems(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'invalid request (the fields are listed in `errors`)',
    404: 'no such course',
    500: 'unexpected error',
    503: 'database unavailable',
  };
  return Object.fromEntries(
    statuses.map((s) => [s, response(descriptions[s] ?? 'error', 'Problem', 'application/problem+json')]),
  );
}
