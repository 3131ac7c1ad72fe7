/**
 * JSON schemas of the catalog routes: they drive request validation, response serialization and the OpenAPI
 * document. Shared ones are registered with `app.addSchema` and referenced as `<$id>#`.
 */

/** Lower- or upper-case hex UUID, nothing around it. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

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
export const catalogPageSchema = {
  $id: 'CatalogPage',
  type: 'object',
  required: ['items', 'page', 'size', 'total'],
  properties: {
    items: { type: 'array', items: { $ref: 'CatalogCourse#' } },
    page: { type: 'integer', description: 'page number, from 0' },
    size: { type: 'integer', description: 'page size asked for' },
    total: { type: 'integer', description: 'number of posted courses in all' },
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
export const sharedSchemas = [catalogCourseSchema, catalogPageSchema, problemSchema];

/** `{ courseId }` path parameters. */
export const courseIdParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['courseId'],
  properties: {
    courseId: { type: 'string', format: 'uuid', pattern: UUID_PATTERN, description: 'the course id' },
  },
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
    404: 'no such posted course',
    500: 'unexpected error',
    503: 'database unavailable, or the event consumer stopped',
  };
  return Object.fromEntries(
    statuses.map((s) => [s, response(descriptions[s] ?? 'error', 'Problem', 'application/problem+json')]),
  );
}
