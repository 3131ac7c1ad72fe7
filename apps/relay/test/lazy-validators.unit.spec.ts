import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { lazily } from '../src/lazy-validators.ts';

describe('lazy validators', () => {
  it('compiles a schema on the first call only, and reports its errors as ajv does', () => {
    const compiled: unknown[] = [];
    const ajv = { opts: { validateSchema: true } };
    const checking: unknown[] = [];
    const eager = function (this: typeof ajv, schema: unknown) {
      compiled.push(schema);
      checking.push(this.opts.validateSchema);
      const validate = Object.assign(
        (value: unknown) => {
          validate.errors = typeof value === 'number' ? null : [{ message: 'must be number' }];
          return validate.errors === null;
        },
        { errors: null as unknown },
      );
      return validate;
    };
    const validate = lazily(eager as never).call(ajv, { type: 'number' });
    assert.deepEqual(compiled, []);
    assert.equal(validate.errors, null);
    assert.equal(validate('x'), false);
    assert.deepEqual(validate.errors, [{ message: 'must be number' }]);
    assert.equal(validate(1), true);
    assert.equal(validate.errors, null);
    assert.deepEqual(compiled, [{ type: 'number' }]);
    // Compiled without the meta-schema check, which is put back for whatever the instance compiles next.
    assert.deepEqual(checking, [false]);
    assert.equal(ajv.opts.validateSchema, true);
  });

  it("leaves the Kafka client's validators uncompiled while the relay loads, and ajv as it was after", () => {
    // A fresh process: the client must be imported for the first time, with ajv's compile counted.
    const script = `
      import { createRequire } from 'node:module';
      const client = createRequire(import.meta.resolve('@outflow/kafka')).resolve('@platformatic/kafka');
      const Ajv = createRequire(client)('ajv/dist/core.js').default;
      let calls = 0;
      let metaChecks = 0;
      const original = Ajv.prototype.compile;
      const counting = function (...args) { calls++; return original.apply(this, args); };
      Ajv.prototype.compile = counting;
      const check = Ajv.prototype.validateSchema;
      Ajv.prototype.validateSchema = function (...args) { metaChecks++; return check.apply(this, args); };
      const { importWithLazyValidators } = await import(${JSON.stringify(new URL('../src/lazy-validators.ts', import.meta.url).href)});
      const lazy = process.argv[1] === 'lazy';
      if (lazy) await importWithLazyValidators(() => import('@platformatic/kafka'));
      else await import('@platformatic/kafka');
      const afterImport = calls;
      // A validator the client compiled still validates: a producer with an invalid option under strict mode.
      const { Producer } = await import('@platformatic/kafka');
      let refused = '';
      try { new Producer({ clientId: 'x', bootstrapBrokers: ['127.0.0.1:1'], strict: true, acks: 'many' }); }
      catch (error) { refused = error.message; }
      const valid = new Producer({ clientId: 'x', bootstrapBrokers: ['127.0.0.1:1'], strict: true });
      await valid.close();
      console.log(JSON.stringify({ afterImport, restored: Ajv.prototype.compile === counting, refused, metaChecks }));
    `;
    const run = (mode: string) =>
      JSON.parse(
        execFileSync(process.execPath, ['--input-type=module', '-e', script, mode], {
          cwd: new URL('.', import.meta.url),
          encoding: 'utf8',
        }),
      ) as { afterImport: number; restored: boolean; refused: string; metaChecks: number };
    const eager = run('eager');
    const lazy = run('lazy');
    assert.ok(eager.afterImport > 20, `the client compiles its validators at import: ${eager.afterImport}`);
    assert.equal(lazy.afterImport, 0);
    assert.equal(lazy.restored, true);
    assert.match(eager.refused, /options\/acks/);
    assert.equal(lazy.refused, eager.refused);
    // Compiled at import, each schema is checked against the meta-schema; compiled lazily, none is.
    assert.ok(eager.metaChecks > 20, `meta-schema checks when compiled at import: ${eager.metaChecks}`);
    assert.equal(lazy.metaChecks, 0);
  });
});
