// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests write Kafka's ${provider:path:key} references
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { ConfigError } from '@outflow/relay-core';
import type { LightMyRequestResponse } from 'fastify';
import { loadWorkerConfig } from '../src/worker-config.ts';
import { createTestRelay, eventually, fakeSource } from './fakes.ts';

type TestRelay = Awaited<ReturnType<typeof createTestRelay>>;

const CONFIG = {
  'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
  'database.hostname': '127.0.0.1',
  'database.user': 'outflow',
  'database.password': 's3cret-pw',
  'database.server.id': '5401',
  'topic.prefix': 'dbserver1',
};
const JSON_HEADERS = { 'content-type': 'application/json' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const dir = mkdtempSync(join(tmpdir(), 'outflow-rest-security-'));
const credentials = join(dir, 'credentials.properties');
writeFileSync(credentials, 'admin: admin-pw\nops=ops-pw\n');
const jaas = join(dir, 'jaas.conf');
writeFileSync(
  jaas,
  `// Connect's file, unchanged\nKafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${credentials}";\n};\n`,
);

describe('REST API security (fakes)', () => {
  let t: TestRelay | undefined;
  afterEach(async () => {
    await t?.relay.close();
    t = undefined;
  });

  it('answers a non-JSON body with 415 in Connect’s words and creates nothing', async () => {
    t = await createTestRelay();
    const res = await t.relay.app.inject({
      method: 'POST',
      url: '/connectors',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ name: 'x', config: CONFIG }),
    });
    assert.equal(res.statusCode, 415);
    assert.deepEqual(res.json(), { error_code: 415, message: 'HTTP 415 Unsupported Media Type' });
    const form = await t.relay.app.inject({
      method: 'POST',
      url: '/connectors',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=x',
    });
    assert.equal(form.statusCode, 415);
    const crossSite = await t.relay.app.inject({
      method: 'POST',
      url: '/connectors',
      headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
      payload: JSON.stringify({ name: 'x', config: CONFIG }),
    });
    assert.equal(crossSite.statusCode, 403);
    assert.deepEqual(t.relay.herder.connectors(), []);
  });

  it('sends no CORS headers and lets a cross-origin page change nothing unless allowed', async () => {
    t = await createTestRelay();
    await t.relay.app.inject({
      method: 'POST',
      url: '/connectors',
      headers: JSON_HEADERS,
      payload: { name: 'c', config: CONFIG },
    });
    await eventually(() => t!.relay.herder.status('c').tasks[0]?.state === 'RUNNING');
    const read = await t.relay.app.inject({
      method: 'GET',
      url: '/connectors',
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers['access-control-allow-origin'], undefined);
    const starts = fakeSource.starts;
    for (const [method, url] of [
      ['POST', '/connectors/c/restart'],
      ['PUT', '/connectors/c/pause'],
      ['DELETE', '/connectors/c'],
    ] as const) {
      const res: LightMyRequestResponse = await t.relay.app.inject({
        method,
        url,
        headers: { origin: 'http://evil.example' },
      });
      assert.equal(res.statusCode, 403, `${method} ${url}`);
    }
    const preflight = await t.relay.app.inject({
      method: 'OPTIONS',
      url: '/connectors',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.equal(fakeSource.starts, starts);
    assert.equal(t.relay.herder.status('c').connector.state, 'RUNNING');
  });

  it('answers CORS for the origins access.control.allow.origin names', async () => {
    t = await createTestRelay({
      workerProperties: {
        'access.control.allow.origin': 'http://ui.example',
        'access.control.allow.methods': 'GET,POST,PUT,DELETE',
      },
    });
    const preflight = await t.relay.app.inject({
      method: 'OPTIONS',
      url: '/connectors',
      headers: { origin: 'http://ui.example', 'access-control-request-method': 'PUT' },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'http://ui.example');
    assert.equal(preflight.headers['access-control-allow-methods'], 'GET,POST,PUT,DELETE');
    const create = await t.relay.app.inject({
      method: 'POST',
      url: '/connectors',
      headers: { ...JSON_HEADERS, origin: 'http://ui.example' },
      payload: { name: 'c', config: CONFIG },
    });
    assert.equal(create.statusCode, 201);
    assert.equal(create.headers['access-control-allow-origin'], 'http://ui.example');
  });

  for (const [way, options] of [
    [
      'Outflow-native credentials file',
      { workerProperties: { 'rest.basic.auth.credentials.file': credentials } },
    ],
    [
      "Connect's JAAS file from KAFKA_OPTS",
      {
        workerProperties: {
          'rest.extension.classes':
            'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
        },
        env: { KAFKA_OPTS: `-Xmx1g -Djava.security.auth.login.config=${jaas}` },
      },
    ],
  ] as const) {
    it(`basic authentication with the ${way}: 401 with WWW-Authenticate, 200 with credentials`, async () => {
      t = await createTestRelay(options);
      await t.relay.herder.putConfig('hidden-connector', CONFIG);
      for (const authorization of [
        undefined,
        basic('admin', 'wrong'),
        basic('nobody', 'admin-pw'),
        'Bearer x',
      ]) {
        const res: LightMyRequestResponse = await t.relay.app.inject({
          method: 'GET',
          url: '/connectors',
          headers: authorization === undefined ? {} : { authorization },
        });
        assert.equal(res.statusCode, 401, String(authorization));
        assert.match(String(res.headers['www-authenticate']), /^Basic realm="KafkaConnect"/);
        assert.doesNotMatch(res.body, /hidden-connector/);
      }
      const ok = await t.relay.app.inject({
        method: 'GET',
        url: '/connectors',
        headers: { authorization: basic('admin', 'admin-pw') },
      });
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json(), ['hidden-connector']);
      const ops = await t.relay.app.inject({
        method: 'GET',
        url: '/',
        headers: { authorization: basic('ops', 'ops-pw') },
      });
      assert.equal(ops.statusCode, 200);
    });
  }

  it('refuses to start with the basic-auth extension but no JAAS file, or an unknown extension', () => {
    assert.throws(
      () =>
        loadWorkerConfig(
          {
            'rest.extension.classes':
              'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
          },
          {},
        ),
      (e: unknown) => e instanceof ConfigError && /java\.security\.auth\.login\.config/.test(e.message),
    );
    assert.throws(
      () => loadWorkerConfig({ 'rest.extension.classes': 'com.example.Other' }, {}),
      (e: unknown) => e instanceof ConfigError && /rest\.extension\.classes/.test(e.message),
    );
    assert.throws(
      () => loadWorkerConfig({ listeners: 'https://127.0.0.1:0' }, {}),
      (e: unknown) => e instanceof ConfigError && /ssl\.keystore\.location/.test(e.message),
    );
  });
});

describe('config providers (fakes)', () => {
  let t: TestRelay | undefined;
  afterEach(async () => {
    await t?.relay.close();
    t = undefined;
  });
  const providers = {
    'config.providers': 'file,env,dir',
    'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
    'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    'config.providers.dir.class': 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
  };

  it('resolves ${file:…}, ${env:…} and ${dir:…} when the task starts; stores and shows them unresolved', async () => {
    const secrets = join(dir, 'db.properties');
    writeFileSync(secrets, 'password=from-file-pw\nuser=from-file-user\n');
    writeFileSync(join(dir, 'port'), '3399');
    t = await createTestRelay({ workerProperties: providers, env: { DB_HOST: 'db.internal' } });
    const config = {
      ...CONFIG,
      'database.password': `\${file:${secrets}:password}`,
      'database.user': `\${file:${secrets}:user}`,
      'database.hostname': '${env:DB_HOST}',
      'database.port': `\${dir:${dir}:port}`,
    };
    const res = await t.relay.app.inject({
      method: 'POST',
      url: '/connectors',
      headers: JSON_HEADERS,
      payload: { name: 'p', config },
    });
    assert.equal(res.statusCode, 201, res.body);
    await eventually(() => fakeSource.lastValues?.['database.password'] === 'from-file-pw');
    assert.equal(fakeSource.lastValues?.['database.user'], 'from-file-user');
    assert.equal(fakeSource.lastValues?.['database.hostname'], 'db.internal');
    assert.equal(fakeSource.lastValues?.['database.port'], 3399);
    const stored = (await t.configStore.load()).get('p')?.config ?? {};
    assert.equal(stored['database.password'], config['database.password']);
    assert.equal(stored['database.hostname'], '${env:DB_HOST}');
    const shown = (await t.relay.app.inject({ method: 'GET', url: '/connectors/p/config' })).json();
    assert.equal(shown['database.user'], config['database.user']);
    assert.equal(shown['database.password'], '********');
    assert.doesNotMatch(t.logs(), /from-file-pw/);
  });

  it('resolves again at each task start: a file gone fails the connector, back again it runs', async () => {
    const secrets = join(dir, 'rotating.properties');
    writeFileSync(secrets, 'password=first\n');
    t = await createTestRelay({ workerProperties: providers });
    await t.relay.herder.putConfig('r', { ...CONFIG, 'database.password': `\${file:${secrets}:password}` });
    await eventually(() => fakeSource.lastValues?.['database.password'] === 'first');
    writeFileSync(secrets, 'other=x\n');
    const failed = await t.relay.herder.restart('r');
    assert.equal(failed.connector.state, 'RESTARTING');
    const status = t.relay.herder.status('r');
    assert.equal(status.connector.state, 'FAILED');
    assert.match(
      status.connector.trace ?? '',
      /database\.password: .*rotating\.properties:password\} cannot be resolved/,
    );
    writeFileSync(secrets, 'password=second\n');
    await t.relay.herder.restart('r');
    await eventually(() => fakeSource.lastValues?.['database.password'] === 'second');
    assert.equal(t.relay.herder.status('r').connector.state, 'RUNNING');
  });

  it('validates a configuration with its references resolved, showing them as given', async () => {
    t = await createTestRelay({ workerProperties: providers, env: { DB_PORT: '3310' } });
    const validate = (config: Record<string, string>) =>
      t!.relay.app.inject({
        method: 'PUT',
        url: '/connector-plugins/io.debezium.connector.mysql.MySqlConnector/config/validate',
        headers: JSON_HEADERS,
        payload: { name: 'v', ...CONFIG, ...config },
      });
    const ok = (await validate({ 'database.port': '${env:DB_PORT}' })).json();
    assert.equal(ok.error_count, 0, JSON.stringify(ok));
    const port = ok.configs.find((c: { value: { name: string } }) => c.value.name === 'database.port');
    assert.equal(port.value.value, '${env:DB_PORT}');
    const bad = (await validate({ 'database.port': '${env:NO_SUCH_VARIABLE}' })).json();
    assert.ok(bad.error_count >= 1);
    const badPort = bad.configs.find((c: { value: { name: string } }) => c.value.name === 'database.port');
    assert.match(badPort.value.errors[0], /\$\{env:NO_SUCH_VARIABLE\} cannot be resolved/);
  });

  it('answers 400 naming a reference that cannot be resolved', async () => {
    t = await createTestRelay({ workerProperties: providers });
    for (const [value, pattern] of [
      ['${env:NOT_SET_ANYWHERE}', /database\.password: \$\{env:NOT_SET_ANYWHERE\} cannot be resolved/],
      [
        `\${file:${join(dir, 'missing.properties')}:password}`,
        /database\.password: .*missing\.properties:password\} cannot be resolved: ENOENT/,
      ],
      ['${vault:secret/db:pw}', null],
    ] as const) {
      const res: LightMyRequestResponse = await t.relay.app.inject({
        method: 'POST',
        url: '/connectors',
        headers: JSON_HEADERS,
        payload: { name: `bad-${value.length}`, config: { ...CONFIG, 'database.password': value } },
      });
      if (pattern === null) {
        // Not a provider this worker knows: taken as written, as Kafka does.
        assert.equal(res.statusCode, 201);
        continue;
      }
      assert.equal(res.statusCode, 400, value);
      assert.match(res.json().message, pattern);
    }
    const noProviders = await createTestRelay();
    try {
      const res = await noProviders.relay.app.inject({
        method: 'POST',
        url: '/connectors',
        headers: JSON_HEADERS,
        payload: { name: 'np', config: { ...CONFIG, 'database.password': '${file:/x:y}' } },
      });
      assert.equal(res.statusCode, 400);
      assert.match(
        res.json().message,
        /config provider 'file' is not declared in the worker's config.providers/,
      );
    } finally {
      await noProviders.relay.close();
    }
  });
});
