import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baseErrorCatalogue,
  createServiceApp,
  DatabaseUnavailableError,
  problemResponses,
  problemSchema,
  ServiceError,
  uuidParamsSchema,
} from '../src/index.ts';

const catalogue = {
  ...baseErrorCatalogue,
  THING_NOT_FOUND: { status: 404, title: 'Thing not found', retriable: false },
};

async function thingApp(failWith?: () => Error) {
  let ready: Error | undefined;
  const app = await createServiceApp({
    catalogue,
    bodyLimit: 100,
    schemas: [problemSchema('THING_NOT_FOUND')],
    openapi: { title: 'Things', version: '1.0.0', description: 'Things.', tags: [] },
    problems: problemResponses({ 404: 'no such thing', 503: 'database unavailable' }),
    ready: {
      summary: 'Readiness',
      check: async () => {
        if (ready) throw ready;
      },
    },
  });
  app.get<{ Params: { id: string } }>(
    '/things/:id',
    { schema: { params: uuidParamsSchema('id', 'the thing') } },
    async (request) => {
      if (failWith) throw failWith();
      throw new ServiceError('THING_NOT_FOUND', `no thing ${request.params.id}`);
    },
  );
  app.post('/things', async () => ({}));
  return {
    app,
    setReady(error: Error | undefined) {
      ready = error;
    },
  };
}

const ID = '00000000-0000-4000-8000-000000000000';

describe('createServiceApp', () => {
  it('answers a ServiceError with its catalogue problem', async () => {
    const { app } = await thingApp();
    const res = await app.inject(`/things/${ID}`);
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.deepEqual(res.json(), {
      type: 'urn:outflow:problem:thing-not-found',
      title: 'Thing not found',
      status: 404,
      detail: `no thing ${ID}`,
      code: 'THING_NOT_FOUND',
      instance: `/things/${ID}`,
    });
  });

  it('answers validation failures 400 with every field, unknown routes 404, client errors with their 4xx', async () => {
    const { app } = await thingApp();
    const bad = await app.inject('/things/xyz');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'VALIDATION_FAILED');
    assert.deepEqual(bad.json().errors, [{ field: 'id', message: 'must be a UUID' }]);
    const route = await app.inject('/nope?x=1');
    assert.deepEqual(route.json(), {
      type: 'urn:outflow:problem:route-not-found',
      title: 'Not found',
      status: 404,
      detail: 'no route GET /nope',
      code: 'ROUTE_NOT_FOUND',
      instance: '/nope?x=1',
    });
    const big = await app.inject({ method: 'POST', url: '/things', payload: { a: 'x'.repeat(200) } });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'BAD_REQUEST');
    assert.equal(big.json().title, 'Payload Too Large');
  });

  it('answers a lost database 503 with Retry-After, anything else a bare 500', async () => {
    const down = await thingApp(() => new DatabaseUnavailableError(new Error('ECONNREFUSED')));
    const res = await down.app.inject(`/things/${ID}`);
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(res.json().detail, 'database unavailable, try again later');
    const boom = await thingApp(() => new ServiceError('NOT_IN_THE_CATALOGUE', 'secret detail'));
    const internal = await boom.app.inject(`/things/${ID}`);
    assert.equal(internal.statusCode, 500);
    assert.equal(internal.json().code, 'INTERNAL');
    assert.doesNotMatch(internal.body, /secret/);
  });

  it('serves /health always, /ready while the check passes, and the OpenAPI document', async () => {
    const { app, setReady } = await thingApp();
    assert.deepEqual((await app.inject('/health')).json(), { status: 'ok' });
    assert.deepEqual((await app.inject('/ready')).json(), { status: 'ready' });
    setReady(new DatabaseUnavailableError(new Error('down')));
    assert.equal((await app.inject('/ready')).statusCode, 503);
    assert.equal((await app.inject('/health')).statusCode, 200);
    const doc = (await app.inject('/docs/json')).json();
    assert.equal(doc.info.title, 'Things');
    assert.ok(doc.components.schemas.Problem);
    assert.equal(
      doc.paths['/ready'].get.responses['503'].content['application/problem+json'].schema.$ref,
      '#/components/schemas/Problem',
    );
  });
});
