/**
 * JSON schema pieces every service's routes use. They drive request validation (Ajv), response serialization
 * and the OpenAPI document; shared ones are registered with `app.addSchema` and referenced as `<$id>#`.
 */
import { problemType } from '../errors.ts';
import { UUID_PATTERN } from './patterns.ts';

export { NOT_BLANK_PATTERN, UUID_PATTERN } from './patterns.ts';

/** A UUID string field; field errors say `must be a UUID`. */
export const uuidSchema = { type: 'string', format: 'uuid', pattern: UUID_PATTERN } as const;

/**
 * `Problem`: RFC 9457 problem details, plus the stable `code` and, for 400, the invalid fields.
 *
 * @param exampleCode the code the OpenAPI document shows as example (and its `type`).
 */
export function problemSchema(exampleCode: string) {
  return {
    $id: 'Problem',
    type: 'object',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string', examples: [problemType(exampleCode)] },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string', examples: [exampleCode] },
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
}

/**
 * A page of items (`{ items, page, size, total }`), as `GET` list routes answer.
 *
 * @param $id the schema's id (`CoursePage`).
 * @param itemRef the `$id` of the item schema (`Course`).
 * @param totalDescription what `total` counts.
 */
export function pageSchema($id: string, itemRef: string, totalDescription: string) {
  return {
    $id,
    type: 'object',
    required: ['items', 'page', 'size', 'total'],
    properties: {
      items: { type: 'array', items: { $ref: `${itemRef}#` } },
      page: { type: 'integer', description: 'page number, from 0' },
      size: { type: 'integer', description: 'page size asked for' },
      total: { type: 'integer', description: totalDescription },
    },
  } as const;
}

/** `?page=0&size=20`, at most 100 per page; `noun` names the items (`courses per page`). */
export function pagingQuerySchema(noun: string) {
  return {
    type: 'object',
    properties: {
      page: {
        type: 'integer',
        minimum: 0,
        maximum: 1_000_000,
        default: 0,
        description: 'page number, from 0',
      },
      size: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: `${noun} per page` },
    },
  } as const;
}

/** `{ <name> }` path parameters holding one UUID. */
export function uuidParamsSchema(name: string, description: string) {
  return {
    type: 'object',
    additionalProperties: false,
    required: [name],
    properties: { [name]: { ...uuidSchema, description } },
  } as const;
}

/** A response described by a shared schema, with its media type (problems are `application/problem+json`). */
export function response(description: string, ref: string, mediaType = 'application/json') {
  return { description, content: { [mediaType]: { schema: { $ref: `${ref}#` } } } };
}

/** Builds the OpenAPI problem responses of a route: `problems(400, 404, 500)`. */
export type ProblemResponses = (...statuses: number[]) => Record<string, ReturnType<typeof response>>;

/**
 * The `problems(...statuses)` helper of a service: each status described by `descriptions` (what 404 and 503
 * mean differs per service), 400 and 500 by default.
 */
export function problemResponses(descriptions: Readonly<Record<number, string>>): ProblemResponses {
  const all: Record<number, string> = {
    400: 'invalid request (the fields are listed in `errors`)',
    500: 'unexpected error',
    ...descriptions,
  };
  return (...statuses) =>
    Object.fromEntries(
      statuses.map((s) => [s, response(all[s] ?? 'error', 'Problem', 'application/problem+json')]),
    );
}
