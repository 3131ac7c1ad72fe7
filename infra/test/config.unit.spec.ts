import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { ENV_VARS, envVarsMarkdown, loadConfig, parseServices, repoRoot } from '../src/config.ts';
import { InfraError } from '../src/errors.ts';

function rejectsVariable(env: NodeJS.ProcessEnv, variable: string): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof InfraError);
      assert.equal(error.code, 'INFRA_CONFIG_INVALID');
      assert.equal(error.details.variable, variable);
      assert.match(error.message, new RegExp(`^${variable}: `));
      return true;
    },
  );
}

test('defaults: .data in the repository, the documented ports, Kafka 4.4.0', () => {
  assert.deepEqual(loadConfig({}), {
    dataDir: resolve(repoRoot, '.data'),
    mariadbPort: 3307,
    postgresPort: 5433,
    kafkaPort: 9092,
    kafkaControllerPort: 9093,
    kafkaSaslPort: 9094,
    kafkaVersion: '4.4.0',
  });
});

test('every variable is read, a relative data folder is taken from the repository root', () => {
  const config = loadConfig({
    OUTFLOW_DATA_DIR: 'tmp/data',
    OUTFLOW_MARIADB_PORT: '13307',
    OUTFLOW_POSTGRES_PORT: ' 15433 ',
    OUTFLOW_KAFKA_PORT: '19092',
    OUTFLOW_KAFKA_CONTROLLER_PORT: '19093',
    OUTFLOW_KAFKA_SASL_PORT: '19094',
    OUTFLOW_KAFKA_VERSION: '4.1.1',
  });
  assert.equal(config.dataDir, resolve(repoRoot, 'tmp/data'));
  assert.equal(loadConfig({ OUTFLOW_DATA_DIR: '/var/tmp/x' }).dataDir, '/var/tmp/x');
  assert.deepEqual(
    [
      config.mariadbPort,
      config.postgresPort,
      config.kafkaPort,
      config.kafkaControllerPort,
      config.kafkaSaslPort,
      config.kafkaVersion,
    ],
    [13307, 15433, 19092, 19093, 19094, '4.1.1'],
  );
  assert.equal(loadConfig({ OUTFLOW_MARIADB_PORT: '' }).mariadbPort, 3307);
});

test('a bad value stops with the variable named', () => {
  rejectsVariable({ OUTFLOW_MARIADB_PORT: 'abc' }, 'OUTFLOW_MARIADB_PORT');
  rejectsVariable({ OUTFLOW_POSTGRES_PORT: '0' }, 'OUTFLOW_POSTGRES_PORT');
  rejectsVariable({ OUTFLOW_KAFKA_PORT: '65536' }, 'OUTFLOW_KAFKA_PORT');
  rejectsVariable({ OUTFLOW_KAFKA_CONTROLLER_PORT: '90.5' }, 'OUTFLOW_KAFKA_CONTROLLER_PORT');
  rejectsVariable({ OUTFLOW_KAFKA_VERSION: '3.9.0' }, 'OUTFLOW_KAFKA_VERSION');
  rejectsVariable({ OUTFLOW_KAFKA_PORT: '9093' }, 'OUTFLOW_KAFKA_PORT');
});

test('every variable is documented with a default', () => {
  for (const v of ENV_VARS) {
    assert.match(v.name, /^OUTFLOW_[A-Z_]+$/);
    assert.ok(v.description.length > 10, v.name);
    assert.doesNotThrow(() => v.parse(v.default, v.name));
  }
});

test('--only accepts known services and names an unknown one', () => {
  assert.deepEqual(parseServices('kafka, mariadb'), ['kafka', 'mariadb']);
  assert.throws(() => parseServices('kafka,redis'), /unknown service "redis"/);
});

test('infra/README.md carries the generated environment table', () => {
  // Compared cell by cell: the formatter pads Markdown tables.
  const cells = (markdown: string) => markdown.replace(/ *\| */g, '|').replace(/-{3,}/g, '---');
  const readme = readFileSync(resolve(repoRoot, 'infra', 'README.md'), 'utf8');
  assert.ok(
    cells(readme).includes(cells(envVarsMarkdown())),
    'regenerate the table from envVarsMarkdown() in infra/src/config.ts',
  );
});
