import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, silentLogger } from '@outflow/relay-core';
import {
  acceptsDriverProperty,
  postgresConfigDef,
  toPostgresSourceConfig,
  validatePostgresConfig,
} from '../src/config.ts';
import { postgresConnectorPlugin } from '../src/plugin.ts';
import { PostgresSourceTask } from '../src/postgres-source-task.ts';

const base = {
  'database.hostname': 'db',
  'database.user': 'debezium',
  'database.password': 'secret',
  'database.dbname': 'course',
  'topic.prefix': 'dbserver1',
};

const parse = (props: Record<string, string>) =>
  postgresConfigDef.parse(props, { allowUnknown: acceptsDriverProperty });

describe('PostgreSQL connector configuration', () => {
  it('registers under Debezium’s class name', () => {
    assert.deepEqual(postgresConnectorPlugin.classNames, [
      'io.debezium.connector.postgresql.PostgresConnector',
    ]);
    assert.equal(postgresConnectorPlugin.configDef, postgresConfigDef);
  });

  it('applies Debezium’s defaults', () => {
    const config = toPostgresSourceConfig(parse(base).values);
    assert.equal(config.port, 5432);
    assert.equal(config.slotName, 'debezium');
    assert.equal(config.dropSlotOnStop, false);
    assert.equal(config.publicationName, 'dbz_publication');
    assert.equal(config.publicationAutocreateMode, 'all_tables');
    assert.equal(config.snapshotMode, 'initial');
    assert.equal(config.tombstonesOnDelete, true);
    assert.deepEqual([...config.skippedOperations], ['t']);
    assert.equal(config.unavailableValuePlaceholder, '__debezium_unavailable_value');
    assert.equal(config.heartbeatIntervalMs, 0);
    assert.equal(config.heartbeatTopicsPrefix, '__debezium-heartbeat');
    assert.equal(config.heartbeatActionQuery, null);
    assert.equal(config.maxBatchSize, 2048);
    assert.equal(config.maxQueueSize, 8192);
    assert.equal(config.pollIntervalMs, 500);
    assert.equal(config.statusUpdateIntervalMs, 10000);
    assert.equal(config.sslMode, 'disable');
    assert.deepEqual(config.typeModes, {
      decimalHandlingMode: 'precise',
      timePrecisionMode: 'adaptive',
      binaryHandlingMode: 'bytes',
    });
  });

  it('requires the connection, database and topic prefix', () => {
    assert.throws(
      () => parse({}),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const names = error.problems.map((p) => p.property);
        for (const name of ['database.hostname', 'database.user', 'database.dbname', 'topic.prefix'])
          assert.ok(names.includes(name), name);
        return true;
      },
    );
  });

  it('rejects decoderbufs and wal2json as not supported by Outflow', () => {
    for (const plugin of ['decoderbufs', 'wal2json']) {
      assert.throws(
        () => parse({ ...base, 'plugin.name': plugin }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.some(
            (p) => p.property === 'plugin.name' && /not supported by Outflow/.test(p.message),
          ),
      );
    }
    assert.equal(parse({ ...base, 'plugin.name': 'pgoutput' }).values['plugin.name'], 'pgoutput');
  });

  it('accepts database.server.name with a deprecation warning', () => {
    const { 'topic.prefix': _, ...legacy } = base;
    const parsed = parse({ ...legacy, 'database.server.name': 'legacy1' });
    assert.equal(parsed.values['topic.prefix'], 'legacy1');
    assert.deepEqual(parsed.warnings, ["'database.server.name' is deprecated, use 'topic.prefix'"]);
  });

  it('reads snapshot.mode names, old names included', () => {
    for (const [given, mode] of [
      ['initial', 'initial'],
      ['no_data', 'no_data'],
      ['never', 'no_data'],
      ['initial_only', 'initial_only'],
      ['always', 'always'],
      ['when_needed', 'when_needed'],
    ]) {
      assert.equal(
        toPostgresSourceConfig(parse({ ...base, 'snapshot.mode': given! }).values).snapshotMode,
        mode,
      );
    }
    assert.throws(
      () => parse({ ...base, 'snapshot.mode': 'recovery' }),
      /snapshot.mode: 'recovery' is not supported/,
    );
  });

  it('validates enums, lists, slot names and regexes', () => {
    assert.throws(
      () => parse({ ...base, 'publication.autocreate.mode': 'some' }),
      /publication.autocreate.mode/,
    );
    assert.throws(() => parse({ ...base, 'slot.name': 'Bad-Slot' }), /slot.name/);
    assert.throws(() => parse({ ...base, 'table.include.list': 'public.(' }), /table.include.list/);
    assert.throws(() => parse({ ...base, 'skipped.operations': 'x' }), /skipped.operations/);
    const config = toPostgresSourceConfig(
      parse({ ...base, 'skipped.operations': 'none', 'table.whitelist': 'public.a' }).values,
    );
    assert.equal(config.skippedOperations.size, 0);
    assert.deepEqual(config.filter.tableInclude, ['public.a']);
  });

  it('passes database.* driver properties through and rejects other unknown ones', () => {
    assert.equal(acceptsDriverProperty('database.tcpKeepAlive'), true);
    assert.equal(acceptsDriverProperty('database.sslrootcert'), false, 'declared: read by the source');
    assert.equal(acceptsDriverProperty('database.hostname'), false);
    assert.doesNotThrow(() => parse({ ...base, 'database.tcpKeepAlive': 'true' }));
    assert.throws(() => parse({ ...base, 'slot.nme': 'x' }), /slot.nme: is not a supported property/);
  });

  it('checks max.queue.size against max.batch.size', () => {
    const values = parse({ ...base, 'max.batch.size': '100', 'max.queue.size': '100' }).values;
    assert.deepEqual(validatePostgresConfig(values), [
      { property: 'max.queue.size', message: 'must be larger than max.batch.size' },
    ]);
    assert.deepEqual(validatePostgresConfig(parse(base).values), []);
  });

  it('takes wal.sender.timeout.ms only with status updates at least three times as frequent', () => {
    assert.equal(toPostgresSourceConfig(parse(base).values).walSenderTimeoutMs, null);
    const ok = parse({
      ...base,
      'wal.sender.timeout.ms': '6000',
      'status.update.interval.ms': '2000',
    }).values;
    assert.deepEqual(validatePostgresConfig(ok), []);
    assert.equal(toPostgresSourceConfig(ok).walSenderTimeoutMs, 6000);
    const tooShort = parse({ ...base, 'wal.sender.timeout.ms': '10000' }).values;
    assert.deepEqual(
      validatePostgresConfig(tooShort).map((p) => p.property),
      ['wal.sender.timeout.ms'],
    );
  });

  it('creates a task that starts as not standby', async () => {
    const task = await postgresConnectorPlugin.createTask(parse(base).values, silentLogger);
    assert.ok(task instanceof PostgresSourceTask);
    assert.equal(task.isStandby(), false);
  });
});
