import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, describeConfig, loadConfig } from '../src/index.ts';

test('defaults: MariaDB catalog database, port 8081, the local broker, group and topic', () => {
  const config = loadConfig({});
  assert.deepEqual(config, {
    databaseUrl: 'mysql://outflow:outflow@127.0.0.1:3307/catalog',
    port: 8081,
    host: '127.0.0.1',
    kafkaBootstrapServers: ['127.0.0.1:9092'],
    kafkaClientProperties: { 'security.protocol': 'PLAINTEXT' },
    groupId: 'catalog-service',
    topic: 'outbox.event.Course',
    logLevel: 'info',
  });
});

test('Kafka security from the KAFKA_* variables, checked with the variable named', () => {
  const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";';
  const config = loadConfig({
    KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_JAAS_CONFIG: jaas,
  });
  assert.deepEqual(config.kafkaClientProperties, {
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.jaas.config': jaas,
  });
  assert.throws(
    () => loadConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' }),
    /KAFKA_SASL_JAAS_CONFIG: is required/,
  );
  assert.throws(() => loadConfig({ KAFKA_SECURITY_PROTOCOL: 'TLS' }), /KAFKA_SECURITY_PROTOCOL must be/);
});

test('values from the environment, PostgreSQL included', () => {
  const config = loadConfig({
    DATABASE_URL: 'postgres://u:p@db:5433/cat',
    PORT: '9000',
    HOST: '0.0.0.0',
    KAFKA_BOOTSTRAP_SERVERS: 'k1:9092, k2:9093',
    CATALOG_GROUP_ID: 'catalog-2',
    CATALOG_TOPIC: 'outbox.event.Lecture',
    LOG_LEVEL: 'debug',
  });
  assert.equal(config.port, 9000);
  assert.deepEqual(config.kafkaBootstrapServers, ['k1:9092', 'k2:9093']);
  assert.equal(config.groupId, 'catalog-2');
  assert.equal(config.topic, 'outbox.event.Lecture');
});

test('each bad value stops start-up with the variable named (and the password hidden)', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /PORT must be an integer 1-65535, got 'abc'/],
    [{ DATABASE_URL: 'oracle://u:secret@h/db' }, /DATABASE_URL must be .*got 'oracle:\/\/u:\*\*\*@h\/db'/],
    [{ KAFKA_BOOTSTRAP_SERVERS: 'nohost' }, /KAFKA_BOOTSTRAP_SERVERS must be/],
    [{ CATALOG_GROUP_ID: 'a b' }, /CATALOG_GROUP_ID must be/],
    [{ CATALOG_TOPIC: 'bad/topic' }, /CATALOG_TOPIC must be/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ HOST: 'a b' }, /HOST must be/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig(env),
      (e: unknown) => e instanceof ConfigError && message.test(e.message) && !e.message.includes('secret'),
    );
  }
});

test('the configuration table lists every variable', () => {
  const table = describeConfig();
  for (const name of [
    'DATABASE_URL',
    'PORT',
    'HOST',
    'KAFKA_BOOTSTRAP_SERVERS',
    'CATALOG_GROUP_ID',
    'CATALOG_TOPIC',
    'LOG_LEVEL',
  ]) {
    assert.match(table, new RegExp(`\\| \`${name}\` \\|`));
  }
});

test('the README configuration table is the generated one, cell by cell', () => {
  const cells = (line: string) => line.split('|').map((c) => c.trim());
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    .split('\n')
    .map(cells);
  for (const line of describeConfig().split('\n').slice(2)) {
    const row = cells(line);
    assert.ok(
      readme.some((r) => r.length === row.length && r.every((c, i) => c === row[i])),
      `README lacks the row ${line}`,
    );
  }
});
