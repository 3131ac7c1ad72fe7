import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baseErrorCatalogue,
  DatabaseUnavailableError,
  describeFieldErrors,
  fieldErrors,
  loggableError,
  NOT_BLANK_PATTERN,
  problem,
  problemType,
  ServiceError,
  UUID_PATTERN,
} from '../src/index.ts';

const catalogue = {
  ...baseErrorCatalogue,
  THING_NOT_FOUND: { status: 404, title: 'Thing not found', retriable: false },
};

describe('problem', () => {
  it('builds RFC 9457 problem JSON from the catalogue, type derived from the code', () => {
    assert.equal(problemType('THING_NOT_FOUND'), 'urn:outflow:problem:thing-not-found');
    assert.deepEqual(problem(catalogue, 'THING_NOT_FOUND', 'no thing 7', { instance: '/things/7' }), {
      type: 'urn:outflow:problem:thing-not-found',
      title: 'Thing not found',
      status: 404,
      detail: 'no thing 7',
      code: 'THING_NOT_FOUND',
      instance: '/things/7',
    });
  });

  it('takes the title of an overriding status from HTTP', () => {
    const doc = problem(catalogue, 'BAD_REQUEST', 'unsupported media type', { status: 415 });
    assert.equal(doc.status, 415);
    assert.equal(doc.title, 'Unsupported Media Type');
    assert.equal(problem(catalogue, 'BAD_REQUEST', 'x').title, 'Bad request');
  });
});

describe('ServiceError', () => {
  it('carries code, retriable, details and cause; DatabaseUnavailableError is retriable', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new ServiceError('THING_NOT_FOUND', 'gone', { details: { id: 7 }, cause });
    assert.equal(error.code, 'THING_NOT_FOUND');
    assert.equal(error.retriable, false);
    assert.deepEqual(error.details, { id: 7 });
    assert.equal(error.cause, cause);
    const down = new DatabaseUnavailableError(cause);
    assert.ok(down instanceof ServiceError);
    assert.equal(down.code, 'DATABASE_UNAVAILABLE');
    assert.equal(down.retriable, true);
    assert.equal(down.message, 'database unavailable, try again later');
    assert.equal(down.cause, cause);
  });
});

describe('fieldErrors', () => {
  it('names each field once, with a message per keyword', () => {
    const errors = fieldErrors(
      [
        { keyword: 'required', instancePath: '', params: { missingProperty: 'name' } },
        { keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: 'extra' } },
        { keyword: 'format', instancePath: '/teacherId', params: { format: 'uuid' } },
        { keyword: 'pattern', instancePath: '/teacherId', params: { pattern: UUID_PATTERN } },
        { keyword: 'pattern', instancePath: '/name', params: { pattern: NOT_BLANK_PATTERN } },
        { keyword: 'pattern', instancePath: '/code', params: { pattern: '^x$' } },
        { keyword: 'type', instancePath: '', params: { type: 'object' } },
        { keyword: 'minLength', instancePath: '/a', params: { limit: 1 } },
        { keyword: 'minLength', instancePath: '/b', params: { limit: 3 } },
        { keyword: 'maxLength', instancePath: '/c/d', params: { limit: 9 } },
        { keyword: 'minimum', instancePath: '/page', params: {}, message: 'must be >= 0' },
      ],
      'body',
    );
    assert.deepEqual(
      errors,
      [
        { field: 'name', message: 'is required' },
        { field: 'extra', message: 'is not allowed' },
        { field: 'teacherId', message: 'must be a UUID' },
        { field: 'name', message: 'must not be blank' },
        { field: 'code', message: 'has an invalid form' },
        { field: 'body', message: 'must be an object' },
        { field: 'a', message: 'must not be empty' },
        { field: 'b', message: 'must be at least 3 characters' },
        { field: 'c.d', message: 'must be at most 9 characters' },
        { field: 'page', message: 'must be >= 0' },
      ].filter((e, i, all) => all.findIndex((o) => o.field === e.field) === i),
    );
    assert.equal(
      describeFieldErrors(errors.slice(0, 2)),
      'invalid request: name is required; extra is not allowed',
    );
  });
});

describe('loggableError', () => {
  it('keeps name, code, errno and SQL state, and hides the statement', () => {
    const error = Object.assign(
      new Error("You have an error in your SQL syntax near 'SELECT password' at line 1", {
        cause: new Error('inner'),
      }),
      { code: 'ER_PARSE_ERROR', errno: 1064, sqlState: '42000', sql: 'SELECT password FROM users' },
    );
    const logged = loggableError(error);
    assert.equal(logged.code, 'ER_PARSE_ERROR');
    assert.equal(logged.errno, 1064);
    assert.equal(logged.sqlState, '42000');
    assert.equal(logged.message, "You have an error in your SQL syntax near '<redacted>'");
    assert.doesNotMatch(JSON.stringify(logged), /SELECT password/);
    assert.deepEqual((logged.cause as Record<string, unknown>).message, 'inner');
    assert.deepEqual(loggableError('plain'), { message: 'plain' });
  });
});
