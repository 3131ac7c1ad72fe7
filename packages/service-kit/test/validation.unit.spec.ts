import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { textErrors, textProblem } from '../src/http/validation.ts';
import {
  baseErrorCatalogue,
  createServiceApp,
  problemResponses,
  problemSchema,
  uuidParamsSchema,
} from '../src/index.ts';

const NUL = 'must not contain the character U+0000';
const LONE = 'must not contain a lone UTF-16 surrogate (invalid Unicode)';

/** An app with one body route and one query route that echo what the handler received. */
async function echoApp(): Promise<FastifyInstance> {
  const app = await createServiceApp({
    catalogue: baseErrorCatalogue,
    schemas: [problemSchema('VALIDATION_FAILED')],
    openapi: { title: 'Echo', version: '1.0.0', description: 'Echo.', tags: [] },
    problems: problemResponses({}),
    ready: { summary: 'Readiness', check: async () => {} },
  });
  app.post(
    '/echo',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string' },
            count: { type: 'integer' },
            flag: { type: 'boolean' },
            tags: { type: 'array', items: { type: 'string' } },
            meta: { type: 'object' },
            anything: {},
          },
        },
      },
    },
    async (request) => ({ body: request.body }),
  );
  app.get(
    '/echo/:id',
    {
      schema: {
        params: uuidParamsSchema('id', 'an id'),
        querystring: {
          type: 'object',
          properties: { n: { type: 'integer' }, on: { type: 'boolean' }, q: { type: 'string' } },
        },
      },
    },
    async (request) => ({ query: request.query }),
  );
  return app;
}

const ID = '00000000-0000-4000-8000-000000000000';

describe('request validation', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await echoApp();
  });
  after(() => app.close());

  /** POSTs `json` (raw text, so lone surrogates travel as `\ud800` escapes) and returns status and errors. */
  async function post(json: string) {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: json,
      headers: { 'content-type': 'application/json' },
    });
    return { status: res.statusCode, doc: res.json() };
  }

  it('never coerces body types: each mistyped field is a 400 naming it', async () => {
    const { status, doc } = await post(
      JSON.stringify({ name: 42, count: '5', flag: 'true', tags: 'a', meta: [] }),
    );
    assert.equal(status, 400);
    assert.equal(doc.code, 'VALIDATION_FAILED');
    assert.deepEqual(doc.errors, [
      { field: 'name', message: 'must be a string' },
      { field: 'count', message: 'must be an integer' },
      { field: 'flag', message: 'must be a boolean' },
      { field: 'tags', message: 'must be an array' },
      { field: 'meta', message: 'must be an object' },
    ]);
    for (const name of [['a'], true, null, { a: 1 }]) {
      const one = await post(JSON.stringify({ name }));
      assert.equal(one.status, 400, JSON.stringify(name));
      assert.deepEqual(one.doc.errors, [{ field: 'name', message: 'must be a string' }]);
    }
  });

  it('passes well-typed bodies through unchanged', async () => {
    const body = {
      name: 'x 😀',
      count: 5,
      flag: true,
      tags: ['a'],
      meta: { k: [1, 'v'] },
      anything: 'a\\u0000',
    };
    const { status, doc } = await post(JSON.stringify(body));
    assert.equal(status, 200);
    assert.deepEqual(doc.body, body);
  });

  it('still coerces query strings from text, and documents no body coercion by doing none', async () => {
    const res = await app.inject(`/echo/${ID}?n=5&on=true&q=7`);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().query, { n: 5, on: true, q: '7' });
    const bad = await app.inject(`/echo/${ID}?n=five`);
    assert.deepEqual(bad.json().errors, [{ field: 'n', message: 'must be an integer' }]);
  });

  it('refuses U+0000 and lone surrogates in any body string or property name, naming each, beside schema errors', async () => {
    const { status, doc } = await post(
      '{"name":"a\\u0000b","count":"1","tags":["ok","\\udc00x"],' +
        '"meta":{"deep":[{"v":"\\ud83d"}],"k\\u0000":1},"anything":"😀 \\ud83d\\ude00"}',
    );
    assert.equal(status, 400);
    assert.deepEqual(doc.errors, [
      { field: 'count', message: 'must be an integer' },
      { field: 'name', message: NUL },
      { field: 'tags.1', message: LONE },
      { field: 'meta.deep.0.v', message: LONE },
      { field: 'meta.k\u0000', message: `has a property name that ${NUL}` },
    ]);
    assert.match(doc.detail, /name must not contain the character U\+0000/);
  });

  it('refuses them in a body that is a bare string, and in query strings', async () => {
    const bare = await post('"\\u0000"');
    assert.equal(bare.status, 400);
    // One message per field: the schema's comes first.
    assert.deepEqual(bare.doc.errors, [{ field: 'body', message: 'must be an object' }]);
    const free = await app.inject({ method: 'POST', url: `/echo`, payload: { anything: '\0' } });
    assert.deepEqual(free.json().errors, [{ field: 'anything', message: NUL }]);
    const query = await app.inject(`/echo/${ID}?q=a%00b`);
    assert.equal(query.statusCode, 400);
    assert.deepEqual(query.json().errors, [{ field: 'q', message: NUL }]);
  });

  it('refuses a JSON body that is not UTF-8, instead of storing U+FFFD for the bad bytes', async () => {
    for (const bytes of [
      Buffer.from([...Buffer.from('{"name":"caf'), 0xe9, ...Buffer.from('"}')]), // Latin-1 é
      Buffer.from([...Buffer.from('{"name":"'), 0xed, 0xa0, 0x80, ...Buffer.from('"}')]), // an encoded surrogate
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/echo',
        payload: bytes,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, 'VALIDATION_FAILED');
      assert.deepEqual(res.json().errors, [{ field: 'body', message: 'must be UTF-8 encoded' }]);
    }
    const ok = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: Buffer.from('{"name":"café 😀"}'),
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(ok.json().body, { name: 'café 😀' });
    // Fastify's own parsing is kept: malformed or empty JSON and prototype poisoning stay a BAD_REQUEST.
    for (const payload of ['{"name":', '', '{"__proto__":{"x":1}}']) {
      const res = await post(payload);
      assert.equal(res.status, 400, payload);
      assert.equal(res.doc.code, 'BAD_REQUEST', payload);
    }
  });

  it('walks deeply nested bodies without overflowing the stack', async () => {
    const depth = 100_000;
    const { status, doc } = await post(`{"anything":${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}}`);
    assert.equal(status, 400);
    assert.equal(doc.errors.length, 1);
    assert.match(doc.errors[0].field, /^anything(\.0)+$/);
  });
});

describe('textProblem / textErrors', () => {
  it('accepts any well-formed text without U+0000, including astral characters and other controls', () => {
    for (const ok of ['', 'plain', '😀', '\u{10FFFF}', '\uFFFF', '\uFFFD', '\u0001\u001f', 'a\\u0000']) {
      assert.equal(textProblem(ok), undefined, JSON.stringify(ok));
    }
  });

  it('reports U+0000 and lone high or low surrogates, with JSON-pointer paths', () => {
    assert.equal(textProblem('\0'), NUL);
    assert.equal(textProblem('x\ud800'), LONE);
    assert.equal(textProblem('\udfffx'), LONE);
    assert.deepEqual(
      textErrors({ 'a/b': ['ok', '\0'], 'c~': '\ud800' }).map((e) => e.instancePath),
      ['/a~1b/1', '/c~0'],
    );
    assert.deepEqual(textErrors([1, null, true, { a: 'fine' }]), []);
  });
});
