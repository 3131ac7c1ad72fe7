import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigDef, maskSecrets, SECRET_MASK } from '../src/config-def.ts';
import { ConfigError } from '../src/errors.ts';

const def = new ConfigDef([
  { name: 'topic.prefix', type: 'string', description: 'prefix', aliases: ['database.server.name'] },
  { name: 'database.port', type: 'int', description: 'port', default: 3306, min: 1, max: 65535 },
  {
    name: 'snapshot.mode',
    type: 'string',
    description: 'mode',
    default: 'initial',
    oneOf: ['initial', 'no_data'],
  },
  { name: 'tombstones.on.delete', type: 'boolean', description: 'tombstones', default: true },
  { name: 'table.include.list', type: 'list', description: 'tables', default: [] },
]);

describe('ConfigDef', () => {
  it('parses typed values and applies defaults', () => {
    const { values, warnings } = def.parse({ 'topic.prefix': 'db1', 'table.include.list': 'a.b, c.d' });
    assert.deepEqual(values, {
      'topic.prefix': 'db1',
      'database.port': 3306,
      'snapshot.mode': 'initial',
      'tombstones.on.delete': true,
      'table.include.list': ['a.b', 'c.d'],
    });
    assert.deepEqual(warnings, []);
  });

  it('accepts a legacy alias with a deprecation warning', () => {
    const { values, warnings } = def.parse({ 'database.server.name': 'dbserver1' });
    assert.equal(values['topic.prefix'], 'dbserver1');
    assert.deepEqual(warnings, ["'database.server.name' is deprecated, use 'topic.prefix'"]);
  });

  it('names every wrong, missing and unknown property at once', () => {
    assert.throws(
      () =>
        def.parse({
          'database.port': '70000',
          'snapshot.mode': 'sometimes',
          'tombstones.on.delete': 'yes',
          bogus: 'x',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.problems.map((p) => p.property),
          ['topic.prefix', 'database.port', 'snapshot.mode', 'tombstones.on.delete', 'bogus'],
        );
        assert.match(error.message, /database\.port: must be at most 65535, got '70000'/);
        assert.match(error.message, /snapshot\.mode: must be one of initial, no_data, got 'sometimes'/);
        assert.match(error.message, /bogus: is not a supported property/);
        return true;
      },
    );
  });

  it('lets the caller accept pass-through properties', () => {
    const { values } = def.parse(
      { 'topic.prefix': 'p', 'database.allowPublicKeyRetrieval': 'true' },
      { allowUnknown: (name) => name.startsWith('database.') },
    );
    assert.equal(values['topic.prefix'], 'p');
  });
});

describe('maskSecrets', () => {
  it('masks passwords and other secrets, and nothing else', () => {
    const masked = maskSecrets({
      'database.password': 'mysqlpw',
      'database.user': 'mysqluser',
      'sasl.jaas.config': 'x',
      'ssl.key.password': 'y',
      'database.hostname': 'mysql',
    });
    assert.deepEqual(masked, {
      'database.password': SECRET_MASK,
      'database.user': 'mysqluser',
      'sasl.jaas.config': SECRET_MASK,
      'ssl.key.password': SECRET_MASK,
      'database.hostname': 'mysql',
    });
  });
});
