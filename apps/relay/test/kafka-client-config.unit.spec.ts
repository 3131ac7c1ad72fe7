import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ConfigError } from '@outflow/relay-core';
import { loadWorkerConfig } from '../src/worker-config.ts';
import { createTestRelay } from './fakes.ts';

const jaas = (user: string) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="pw-${user}";`;
const SASL = {
  'security.protocol': 'SASL_PLAINTEXT',
  'sasl.mechanism': 'SCRAM-SHA-512',
  'sasl.jaas.config': jaas('worker'),
};
const CONFIG = {
  'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
  'database.hostname': '127.0.0.1',
  'database.user': 'outflow',
  'database.password': 'x',
  'database.server.id': '5401',
  'topic.prefix': 'dbserver1',
};

describe('worker Kafka client security', () => {
  it('applies to every client; producer./admin./consumer. prefixes override one kind', () => {
    const c = loadWorkerConfig({ ...SASL, 'producer.sasl.jaas.config': jaas('producer') }, {});
    assert.equal(c.clientProperties.worker['sasl.jaas.config'], jaas('worker'));
    assert.equal(c.clientProperties.admin['sasl.jaas.config'], jaas('worker'));
    assert.equal(c.clientProperties.consumer['security.protocol'], 'SASL_PLAINTEXT');
    assert.equal(c.clientProperties.producer['sasl.jaas.config'], jaas('producer'));
    const fromEnv = loadWorkerConfig(SASL, { OUTFLOW_RELAY_SASL_JAAS_CONFIG: jaas('env') });
    assert.equal(fromEnv.clientProperties.worker['sasl.jaas.config'], jaas('env'));
  });

  it('names the wrong property, prefixed or not', () => {
    const names = (props: Record<string, string>) => {
      try {
        loadWorkerConfig(props, {});
      } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.problems.map((p) => p.property);
      }
      return [];
    };
    assert.deepEqual(names({ ...SASL, 'producer.sasl.mechanism': 'GSSAPI' }), ['producer.sasl.mechanism']);
    assert.deepEqual(names({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN' }), [
      'sasl.jaas.config',
    ]);
    assert.deepEqual(names({ 'security.protocol': 'TLS' }), ['security.protocol']);
    assert.deepEqual(names({ 'producer.linger.ms': '5' }), ['producer.linger.ms']);
  });
});

describe('producer.override.* and connector.client.config.override.policy', () => {
  let t: Awaited<ReturnType<typeof createTestRelay>> | undefined;
  afterEach(async () => {
    await t?.relay.close();
    t = undefined;
  });
  const create = (config: Record<string, string>) =>
    t!.relay.app.inject({
      method: 'POST',
      url: '/connectors',
      headers: { 'content-type': 'application/json' },
      payload: { name: `c${Math.random().toString(36).slice(2, 8)}`, config: { ...CONFIG, ...config } },
    });

  it('All (the default) accepts security overrides, masks the JAAS line, and refuses other names', async () => {
    t = await createTestRelay();
    const ok = await create({ 'producer.override.sasl.jaas.config': jaas('connector') });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().config['producer.override.sasl.jaas.config'], '********');
    const other = await create({ 'producer.override.linger.ms': '5' });
    assert.equal(other.statusCode, 400);
    assert.match(other.json().message, /producer\.override\.linger\.ms: only Kafka security properties/);
  });

  it('Principal allows only the identity; None allows nothing', async () => {
    t = await createTestRelay({
      workerProperties: { 'connector.client.config.override.policy': 'Principal' },
    });
    assert.equal((await create({ 'producer.override.sasl.jaas.config': jaas('c') })).statusCode, 201);
    const store = await create({ 'producer.override.ssl.truststore.location': '/ca.pem' });
    assert.equal(store.statusCode, 400);
    assert.match(store.json().message, /override\.policy=Principal/);
    await t.relay.close();
    t = await createTestRelay({ workerProperties: { 'connector.client.config.override.policy': 'None' } });
    const none = await create({ 'producer.override.security.protocol': 'SSL' });
    assert.equal(none.statusCode, 400);
    assert.match(none.json().message, /producer\.override\.security\.protocol: is not allowed .*policy=None/);
  });
});
