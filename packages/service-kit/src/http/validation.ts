/**
 * Request validation of the Fastify skeleton: Ajv through Fastify's own compiler, with one set of rules per
 * request part, plus the text rule every database of the project needs.
 */
import { isUtf8 } from 'node:buffer';
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { SchemaError } from '../errors.ts';

type ValidatorFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildValidator'];
type BuildCompiler = ReturnType<typeof AjvCompiler>;
type AjvValidate = ReturnType<ReturnType<BuildCompiler>>;

/** The keyword of the field errors {@link textErrors} reports (Ajv has none of that name). */
const TEXT_KEYWORD = 'text';

/** Ajv options common to every part: report every bad field; keep unknown fields so `additionalProperties: false` names them. */
const shared = { allErrors: true, removeAdditional: false } as const;

/**
 * Options per request part. A JSON body already has its types, so it is validated as sent: `"name": 42` or
 * `["a"]` is a 400, never the string `"42"` or `"a"`. Query strings, path parameters and headers arrive as text,
 * so numbers and booleans there are coerced from it (Fastify's default, `coerceTypes: 'array'`: `?page=2`).
 */
const byPart = {
  body: { ...shared, coerceTypes: false },
  other: { ...shared, coerceTypes: 'array' },
} as const;

/**
 * What a string must be for every database the services run on: no U+0000 (PostgreSQL `text` and `jsonb`
 * cannot store it, MariaDB would, so the two would disagree) and no lone UTF-16 surrogate (not Unicode: the
 * drivers would silently store U+FFFD instead, and JSON columns refuse it). `undefined` when the text is fine.
 */
export function textProblem(text: string): string | undefined {
  if (text.includes('\0')) return 'must not contain the character U+0000';
  if (!text.isWellFormed()) return 'must not contain a lone UTF-16 surrogate (invalid Unicode)';
  return undefined;
}

/** JSON Pointer segment of a property name or index, as Ajv writes `instancePath`. */
function segment(key: string | number): string {
  return `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/**
 * Every string in `data` (values and property names, at any depth) that breaks {@link textProblem}, as Ajv-style
 * errors whose `instancePath` points at the value (for a bad property name: at that property). Iterative, so a
 * deeply nested body cannot overflow the stack.
 */
export function textErrors(data: unknown): SchemaError[] {
  const errors: SchemaError[] = [];
  const report = (instancePath: string, message: string) =>
    errors.push({ keyword: TEXT_KEYWORD, instancePath, params: {}, message });
  // A stack in reverse document order; a bad property name is stacked as its error, in its place.
  const pending: ({ value: unknown; path: string } | { error: string; path: string })[] = [
    { value: data, path: '' },
  ];
  while (pending.length > 0) {
    const next = pending.pop() as (typeof pending)[number];
    if ('error' in next) {
      report(next.path, next.error);
      continue;
    }
    const { value, path } = next;
    if (typeof value === 'string') {
      const message = textProblem(value);
      if (message !== undefined) report(path, message);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], path: path + segment(i) });
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        const message = textProblem(key);
        const at = path + segment(key);
        pending.push(
          message === undefined
            ? { value: child, path: at }
            : { error: `has a property name that ${message}`, path: at },
        );
      }
    }
  }
  return errors;
}

/**
 * Wraps an Ajv validator so that {@link textErrors} are reported beside the schema's own errors, in one answer.
 * Keeps Ajv's calling convention (Fastify passes the parent data when `schemaEnv` is set, and reads `errors`).
 */
function withTextRule(validate: AjvValidate): AjvValidate {
  const wrapped = ((data: unknown, context?: unknown) => {
    const valid = (validate as (d: unknown, c?: unknown) => boolean)(data, context);
    const bad = textErrors(data);
    if (valid && bad.length === 0) {
      wrapped.errors = null;
      return true;
    }
    wrapped.errors = [...(valid ? [] : (validate.errors ?? [])), ...bad] as typeof validate.errors;
    return false;
  }) as AjvValidate;
  Object.assign(wrapped, { schema: validate.schema, schemaEnv: validate.schemaEnv });
  return wrapped;
}

/**
 * The skeleton's `schemaController.compilersFactory.buildValidator`: Fastify's Ajv compiler (shared schemas,
 * `ajv-formats`, the server's `ajv` options) with the per-part options above and the text rule on every part.
 */
export function requestValidatorFactory(): ValidatorFactory {
  const build = AjvCompiler();
  type Args = Parameters<BuildCompiler>;
  return ((externalSchemas: Args[0], serverOptions: Args[1] = {}) => {
    const compilerFor = (overrides: Record<string, unknown>) =>
      build(externalSchemas, {
        ...serverOptions,
        customOptions: { ...serverOptions.customOptions, ...overrides },
      } as Args[1]);
    const body = compilerFor(byPart.body);
    const other = compilerFor(byPart.other);
    return (route: { httpPart?: string; schema: unknown }) =>
      withTextRule((route.httpPart === 'body' ? body : other)(route as never));
  }) as ValidatorFactory;
}

/**
 * Replaces Fastify's `application/json` parser with one that first refuses a body that is not UTF-8 (as JSON must
 * be, RFC 8259 §8.1): decoding would silently turn each bad byte into U+FFFD, so the stored text would differ
 * from what was sent. The refusal is a field error on `body`; the parsing itself stays Fastify's.
 */
export function refuseNonUtf8Json(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (isUtf8(bytes)) return parseJson(request, bytes.toString('utf8'), done);
    const validation: SchemaError[] = [
      { keyword: TEXT_KEYWORD, instancePath: '', params: {}, message: 'must be UTF-8 encoded' },
    ];
    const error = Object.assign(new Error('the body is not UTF-8'), {
      statusCode: 400,
      validation,
      validationContext: 'body',
    });
    done(error, undefined);
  });
}
