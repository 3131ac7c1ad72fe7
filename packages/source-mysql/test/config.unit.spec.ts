import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@outflow/relay-core';
import {
  acceptsDriverProperty,
  acceptsMySqlProperty,
  historyClientProperty,
  mysqlConfigDef,
  toMySqlSourceConfig,
  validateMySqlConfig,
} from '../src/config.ts';
import { CaptureFilter } from '../src/filters.ts';
import { mysqlConnectorPlugin } from '../src/plugin.ts';
import { jsonColumnsFromChecks } from '../src/table-schema.ts';

/** The seed's connector config, minus the worker's own keys (name, connector.class, tasks.max). */
const seedConfig = {
  'database.hostname': 'mysql',
  'database.port': '3306',
  'database.user': 'mysqluser',
  'database.password': 'mysqlpw',
  'database.server.id': '184054',
  'database.server.name': 'dbserver1',
  'table.include.list': 'course.outbox',
  'database.history.kafka.bootstrap.servers': 'kafka:9092',
  'database.history.kafka.topic': 'course.outbox',
  'database.allowPublicKeyRetrieval': 'true',
};

describe('MySQL connector configuration', () => {
  it("parses the seed's connector JSON, warning about the legacy names", () => {
    const parsed = mysqlConfigDef.parse(seedConfig, { allowUnknown: acceptsDriverProperty });
    assert.equal(parsed.values['topic.prefix'], 'dbserver1');
    assert.equal(parsed.values['database.port'], 3306);
    assert.equal(parsed.values['database.server.id'], 184054);
    assert.deepEqual(parsed.values['table.include.list'], ['course.outbox']);
    assert.equal(parsed.values['schema.history.internal.kafka.topic'], 'course.outbox');
    assert.equal(parsed.values['snapshot.mode'], 'initial');
    assert.deepEqual(parsed.warnings, [
      "'database.server.name' is deprecated, use 'topic.prefix'",
      "'database.history.kafka.bootstrap.servers' is deprecated, use 'schema.history.internal.kafka.bootstrap.servers'",
      "'database.history.kafka.topic' is deprecated, use 'schema.history.internal.kafka.topic'",
    ]);
    const config = toMySqlSourceConfig(parsed.values, 'mysql');
    assert.equal(config.topicPrefix, 'dbserver1');
    assert.equal(config.maxBatchSize, 2048);
    assert.equal(config.maxQueueSize, 8192);
    assert.equal(config.pollIntervalMs, 500);
    assert.equal(config.heartbeatIntervalMs, 0);
    assert.equal(config.tombstonesOnDelete, true);
    assert.equal(config.decimalHandlingMode, 'precise');
    assert.deepEqual(validateMySqlConfig(parsed.values), []);
  });

  it('reads the schema history properties, and wants both of the Kafka ones or neither', () => {
    const history = {
      ...seedConfig,
      'database.history.kafka.topic': 'dbserver1.history',
      'schema.history.internal.store.only.captured.tables.ddl': 'true',
      'include.schema.changes': 'false',
    };
    const parsed = mysqlConfigDef.parse(history, { allowUnknown: acceptsDriverProperty });
    const config = toMySqlSourceConfig(parsed.values, 'mariadb');
    assert.deepEqual(config.schemaHistoryKafka, {
      bootstrapServers: 'kafka:9092',
      topic: 'dbserver1.history',
      clientProperties: {},
    });
    assert.equal(config.storeOnlyCapturedTablesDdl, true);
    assert.equal(config.storeOnlyCapturedDatabasesDdl, false);
    assert.equal(config.includeSchemaChanges, false);
    const { 'database.history.kafka.topic': _topic, ...withoutTopic } = history;
    const half = mysqlConfigDef.parse(withoutTopic, { allowUnknown: acceptsDriverProperty });
    assert.deepEqual(validateMySqlConfig(half.values), [
      {
        property: 'schema.history.internal.kafka.topic',
        message:
          'is required with schema.history.internal.kafka.bootstrap.servers: the schema history needs both',
      },
    ]);
    const none = toMySqlSourceConfig(
      mysqlConfigDef.parse(
        { ...withoutTopic, 'database.history.kafka.bootstrap.servers': '' },
        { allowUnknown: acceptsDriverProperty },
      ).values,
      'mysql',
    );
    assert.equal(none.schemaHistoryKafka, null);
    const seed = mysqlConfigDef.parse(seedConfig, { allowUnknown: acceptsDriverProperty });
    assert.equal(toMySqlSourceConfig(seed.values, 'mysql').includeSchemaChanges, true, "Debezium's default");
  });

  it("takes the history clients' security from schema.history.internal.producer.*/consumer.*", () => {
    assert.equal(
      historyClientProperty('schema.history.internal.producer.sasl.jaas.config'),
      'sasl.jaas.config',
    );
    assert.equal(
      historyClientProperty('schema.history.internal.consumer.security.protocol'),
      'security.protocol',
    );
    assert.equal(historyClientProperty('schema.history.internal.producer.acks'), null);
    assert.equal(acceptsMySqlProperty('schema.history.internal.consumer.ssl.truststore.type'), true);
    assert.equal(acceptsMySqlProperty('schema.history.internal.producer.linger.ms'), false);
    const props = {
      ...seedConfig,
      'schema.history.internal.producer.security.protocol': 'SASL_PLAINTEXT',
      'schema.history.internal.producer.sasl.mechanism': 'PLAIN',
      'schema.history.internal.producer.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
      'schema.history.internal.consumer.security.protocol': 'SASL_PLAINTEXT',
    };
    // The worker hands the plugin its parsed properties and the accepted undeclared ones as given.
    const given = (p: Record<string, string>) => ({
      ...mysqlConfigDef.parse(p, { allowUnknown: acceptsMySqlProperty }).values,
      ...Object.fromEntries(Object.entries(p).filter(([k]) => acceptsMySqlProperty(k))),
    });
    assert.deepEqual(validateMySqlConfig(given(props)), []);
    assert.deepEqual(toMySqlSourceConfig(given(props), 'mysql').schemaHistoryKafka?.clientProperties, {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': props['schema.history.internal.producer.sasl.jaas.config'],
    });
    const conflicting = given({ ...props, 'schema.history.internal.consumer.security.protocol': 'SASL_SSL' });
    assert.deepEqual(
      validateMySqlConfig(conflicting).map((p) => p.property),
      ['schema.history.internal.consumer.security.protocol'],
    );
    const broken = given({ ...seedConfig, 'schema.history.internal.producer.security.protocol': 'KERBEROS' });
    assert.deepEqual(
      validateMySqlConfig(broken).map((p) => p.property),
      ['schema.history.internal.producer.*'],
    );
  });

  it('registers both Debezium class names and accepts database.* pass-through properties', () => {
    assert.deepEqual(mysqlConnectorPlugin.classNames, [
      'io.debezium.connector.mysql.MySqlConnector',
      'io.debezium.connector.mariadb.MariaDbConnector',
    ]);
    assert.equal(mysqlConnectorPlugin.acceptsProperty?.('database.allowPublicKeyRetrieval'), true);
    assert.equal(mysqlConnectorPlugin.acceptsProperty?.('database.hostname'), false);
    assert.equal(mysqlConnectorPlugin.acceptsProperty?.('foo.bar'), false);
  });

  it('requires the server id and topic prefix and checks their range', () => {
    assert.throws(
      () => mysqlConfigDef.parse({ 'database.hostname': 'h', 'database.user': 'u' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.some((p) => p.property === 'database.server.id') &&
        e.problems.some((p) => p.property === 'topic.prefix'),
    );
    assert.throws(
      () =>
        mysqlConfigDef.parse(
          { ...seedConfig, 'database.server.id': '0' },
          { allowUnknown: acceptsDriverProperty },
        ),
      (e: unknown) => e instanceof ConfigError && e.problems[0]?.property === 'database.server.id',
    );
  });

  it('accepts the supported snapshot modes and rejects others by name', () => {
    for (const mode of [
      'initial',
      'no_data',
      'schema_only',
      'never',
      'when_needed',
      'always',
      'initial_only',
    ]) {
      const parsed = mysqlConfigDef.parse(
        { ...seedConfig, 'snapshot.mode': mode },
        { allowUnknown: acceptsDriverProperty },
      );
      const config = toMySqlSourceConfig(parsed.values, 'mysql');
      assert.equal(config.snapshotMode, mode === 'schema_only' || mode === 'never' ? 'no_data' : mode);
    }
    assert.throws(
      () =>
        mysqlConfigDef.parse(
          { ...seedConfig, 'snapshot.mode': 'recovery' },
          { allowUnknown: acceptsDriverProperty },
        ),
      (e: unknown) =>
        e instanceof ConfigError && /recovery/.test(e.message) && e.problems[0]?.property === 'snapshot.mode',
    );
  });

  it('rejects include and exclude lists of the same kind together, and bad regexes', () => {
    const parsed = mysqlConfigDef.parse(
      {
        ...seedConfig,
        'table.exclude.list': 'course.x',
        'database.include.list': 'a',
        'database.exclude.list': 'b',
      },
      { allowUnknown: acceptsDriverProperty },
    );
    assert.deepEqual(
      validateMySqlConfig(parsed.values).map((p) => p.property),
      ['database.exclude.list', 'table.exclude.list'],
    );
    assert.throws(() =>
      mysqlConfigDef.parse(
        { ...seedConfig, 'table.include.list': 'a(' },
        { allowUnknown: acceptsDriverProperty },
      ),
    );
  });
});

describe('include/exclude matching', () => {
  it('matches anchored regexes against db and db.table', () => {
    const f = new CaptureFilter({ tableInclude: ['course.outbox', 'shop\\.order_.*'] });
    assert.equal(f.includesTable('course', 'outbox'), true);
    assert.equal(f.includesTable('course', 'outbox2'), false);
    assert.equal(f.includesTable('xcourse', 'outbox'), false);
    assert.equal(f.includesTable('shop', 'order_items'), true);
    const db = new CaptureFilter({ databaseInclude: ['app_.*'] });
    assert.equal(db.includesTable('app_1', 't'), true);
    assert.equal(db.includesTable('other', 't'), false);
    const ex = new CaptureFilter({ databaseExclude: ['tmp'], tableExclude: ['app\\.secret'] });
    assert.equal(ex.includesTable('tmp', 't'), false);
    assert.equal(ex.includesTable('app', 'secret'), false);
    assert.equal(ex.includesTable('app', 'open'), true);
    assert.equal(ex.includesTable('mysql', 'user'), false);
    const cols = new CaptureFilter({ columnExclude: ['app\\.users\\.password'] });
    assert.equal(cols.includesColumn('app', 'users', 'password'), false);
    assert.equal(cols.includesColumn('app', 'users', 'name'), true);
  });

  it("finds MariaDB's JSON columns from their json_valid CHECK", () => {
    assert.deepEqual(
      [...jsonColumnsFromChecks(['json_valid(`payload`)', '`x` > 0', 'json_valid(`a``b`)'])],
      ['payload', 'a`b'],
    );
  });
});
