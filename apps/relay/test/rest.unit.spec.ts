import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RelayError } from '@outflow/relay-core';
import { createMemoryConfigStore } from '../src/worker/config-store.ts';
import { createTestRelay, eventually, fakeSink, fakeSource, outboxRecord, SEED_BODY } from './fakes.ts';

type TestRelay = Awaited<ReturnType<typeof createTestRelay>>;

const JSON_HEADERS = { 'content-type': 'application/json' };

const OUTBOX_CONFIG = {
  'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
  'database.hostname': '127.0.0.1',
  'database.user': 'outflow',
  'database.password': 's3cret-pw',
  'database.server.id': '5401',
  'topic.prefix': 'dbserver1',
  transforms: 'outbox',
  'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
};

describe('REST API (fakes)', () => {
  let t: TestRelay;
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, body?: unknown) =>
    t.relay.app.inject({
      method,
      url,
      headers: JSON_HEADERS,
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const create = (name: string, config: Record<string, string> = OUTBOX_CONFIG) =>
    inject('POST', '/connectors', { name, config });

  beforeEach(async () => {
    fakeSource.queue = [];
    fakeSource.failStart = undefined;
    fakeSource.startDelayMs = 0;
    t = await createTestRelay();
  });
  afterEach(async () => {
    await t.relay.close();
  });

  it('GET / answers version, commit and the Kafka cluster id', async () => {
    const res = await inject('GET', '/');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['version', 'commit', 'kafka_cluster_id']);
    assert.equal(body.kafka_cluster_id, 'fake-cluster');
  });

  it("accepts the seed's exact POST body and echoes it like Connect (name appended, password masked)", async () => {
    const res = await inject('POST', '/connectors', SEED_BODY);
    assert.equal(res.statusCode, 201);
    const seed = JSON.parse(SEED_BODY);
    const expected = {
      name: 'outbox-connector',
      config: { ...seed.config, 'database.password': '********', name: 'outbox-connector' },
      tasks: [{ connector: 'outbox-connector', task: 0 }],
      type: 'source',
    };
    assert.equal(res.body, JSON.stringify(expected));
    assert.equal(res.headers.location, '/connectors/outbox-connector');
    // Stored unmasked, for the connector to use.
    const stored = await t.configStore.load();
    assert.equal(stored.get('outbox-connector')?.config['database.password'], 'mysqlpw');
    assert.match(t.logs(), /'database.server.name' is deprecated, use 'topic.prefix'/);
  });

  it('lists connectors with and without a trailing slash, and expands status and info', async () => {
    await inject('POST', '/connectors', SEED_BODY);
    assert.deepEqual((await inject('GET', '/connectors/')).json(), ['outbox-connector']);
    assert.deepEqual((await inject('GET', '/connectors')).json(), ['outbox-connector']);
    const status = (await inject('GET', '/connectors?expand=status')).json();
    assert.equal(status['outbox-connector'].status.connector.state, 'RUNNING');
    assert.equal(status['outbox-connector'].info, undefined);
    const both = (await inject('GET', '/connectors?expand=status&expand=info')).json();
    assert.equal(both['outbox-connector'].info.config['database.password'], '********');
    assert.equal(both['outbox-connector'].status.name, 'outbox-connector');
    const info = (await inject('GET', '/connectors?expand=info')).json();
    assert.deepEqual(Object.keys(info['outbox-connector']), ['info']);
    assert.doesNotMatch(JSON.stringify(both), /mysqlpw/);
  });

  it('GET /connectors/{name} and /config mask secrets; the seed curl with a trailing slash works', async () => {
    await inject('POST', '/connectors', SEED_BODY);
    const info = await inject('GET', '/connectors/outbox-connector/');
    assert.equal(info.statusCode, 200);
    assert.deepEqual(Object.keys(info.json()), ['name', 'config', 'tasks', 'type']);
    assert.equal(info.json().config['database.password'], '********');
    const config = (await inject('GET', '/connectors/outbox-connector/config')).json();
    assert.equal(config['database.password'], '********');
    assert.equal(config.name, 'outbox-connector');
  });

  it('rejects bad requests with {error_code, message}', async () => {
    const invalid = await inject('POST', '/connectors', '{"name":"x", config}');
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.json().error_code, 400);
    assert.match(invalid.json().message, /not valid JSON.*position/);

    const noName = await inject('POST', '/connectors', { config: OUTBOX_CONFIG });
    assert.equal(noName.statusCode, 400);
    assert.match(noName.json().message, /name/);
    const noConfig = await inject('POST', '/connectors', { name: 'x' });
    assert.equal(noConfig.statusCode, 400);
    assert.match(noConfig.json().message, /config/);

    const { 'database.hostname': _h, ...missing } = OUTBOX_CONFIG;
    const required = await create('x', missing);
    assert.equal(required.statusCode, 400);
    assert.match(required.json().message, /database\.hostname: is required/);
    assert.match(
      required.json().message,
      /^Connector configuration is invalid and contains the following 1 error/,
    );

    const unknownClass = await create('x', { ...OUTBOX_CONFIG, 'connector.class': 'com.example.Nope' });
    assert.equal(unknownClass.statusCode, 400);
    assert.match(
      unknownClass.json().message,
      /^Failed to find any class that implements Connector and which name matches com\.example\.Nope/,
    );

    const badOption = await create('x', { ...OUTBOX_CONFIG, 'transforms.outbox.route.by.feild': 'x' });
    assert.equal(badOption.statusCode, 400);
    assert.match(
      badOption.json().message,
      /transforms\.outbox\.route\.by\.feild: is not a supported property/,
    );

    const badTransform = await create('x', { ...OUTBOX_CONFIG, 'transforms.outbox.type': 'com.example.Smt' });
    assert.equal(badTransform.statusCode, 400);
    assert.match(
      badTransform.json().message,
      /transforms\.outbox\.type: Class com\.example\.Smt could not be found/,
    );

    const predicates = await create('x', { ...OUTBOX_CONFIG, predicates: 'p' });
    assert.equal(predicates.statusCode, 400);
    assert.match(predicates.json().message, /predicates are not supported/);

    const converter = await create('x', {
      ...OUTBOX_CONFIG,
      'value.converter': 'io.confluent.connect.avro.AvroConverter',
    });
    assert.equal(converter.statusCode, 400);
    assert.match(converter.json().message, /value\.converter/);

    const unknownPath = await inject('GET', '/nope');
    assert.deepEqual(unknownPath.json(), { error_code: 404, message: 'HTTP 404 Not Found' });
    assert.deepEqual((await inject('GET', '/connectors')).json(), []);
  });

  it('answers 409 for a duplicate and 404 for an unknown connector on every call', async () => {
    await create('c1');
    const dup = await create('c1');
    assert.equal(dup.statusCode, 409);
    assert.deepEqual(dup.json(), { error_code: 409, message: 'Connector c1 already exists' });
    const calls: [Parameters<typeof inject>[0], string][] = [
      ['GET', '/connectors/zz'],
      ['GET', '/connectors/zz/config'],
      ['GET', '/connectors/zz/status'],
      ['GET', '/connectors/zz/tasks'],
      ['GET', '/connectors/zz/tasks/0/status'],
      ['POST', '/connectors/zz/tasks/0/restart'],
      ['POST', '/connectors/zz/restart'],
      ['PUT', '/connectors/zz/pause'],
      ['PUT', '/connectors/zz/resume'],
      ['PUT', '/connectors/zz/stop'],
      ['DELETE', '/connectors/zz'],
      ['GET', '/connectors/zz/topics'],
      ['PUT', '/connectors/zz/topics/reset'],
      ['GET', '/connectors/zz/offsets'],
      ['DELETE', '/connectors/zz/offsets'],
    ];
    for (const [method, url] of calls) {
      const res = await inject(method, url);
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.deepEqual(
        res.json(),
        { error_code: 404, message: 'Connector zz not found' },
        `${method} ${url}`,
      );
    }
  });

  it('PUT /config creates (201) then updates (200); the mask keeps the stored secret', async () => {
    const created = await inject('PUT', '/connectors/c2/config', OUTBOX_CONFIG);
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().config.name, 'c2');
    const edited = { ...(await inject('GET', '/connectors/c2/config')).json(), 'database.user': 'other' };
    assert.equal(edited['database.password'], '********');
    const updated = await inject('PUT', '/connectors/c2/config/', edited);
    assert.equal(updated.statusCode, 200);
    assert.equal(updated.json().config['database.user'], 'other');
    const stored = (await t.configStore.load()).get('c2');
    assert.equal(stored?.config['database.password'], 's3cret-pw');
    const mismatch = await inject('PUT', '/connectors/c2/config', { ...OUTBOX_CONFIG, name: 'other' });
    assert.equal(mismatch.statusCode, 400);
    assert.match(mismatch.json().message, /doesn't match connector name in the URL/);
    const notAMap = await inject('PUT', '/connectors/c2/config', { 'tasks.max': { n: 1 } });
    assert.equal(notAMap.statusCode, 400);
  });

  it('re-applying an unchanged configuration leaves the task running; a changed one restarts it', async () => {
    const first = await inject('PUT', '/connectors/c5/config', OUTBOX_CONFIG);
    assert.equal(first.statusCode, 201);
    await eventually(() => fakeSource.starts > 0);
    const { starts, stops } = fakeSource;
    const same = await inject('PUT', '/connectors/c5/config', { ...OUTBOX_CONFIG });
    assert.equal(same.statusCode, 200);
    const masked = await inject('PUT', '/connectors/c5/config', {
      ...OUTBOX_CONFIG,
      'database.password': '********',
    });
    assert.equal(masked.statusCode, 200);
    assert.equal(fakeSource.stops, stops, 'the task was not stopped');
    assert.equal(fakeSource.starts, starts, 'the task was not restarted');
    assert.match(t.logs(), /connector configuration unchanged/);
    const changed = await inject('PUT', '/connectors/c5/config', { ...OUTBOX_CONFIG, 'database.user': 'u2' });
    assert.equal(changed.statusCode, 200);
    await eventually(() => fakeSource.starts > starts);
    assert.equal(fakeSource.stops, stops + 1);
  });

  it('stops a task that is still starting: the task is stopped once its start returns', async () => {
    fakeSource.startDelayMs = 200;
    const { starts, stops } = fakeSource;
    await create('c6');
    await eventually(() => fakeSource.starts > starts);
    assert.equal((await inject('PUT', '/connectors/c6/stop')).statusCode, 202);
    assert.equal(fakeSource.stops, stops + 1);
    const status = (await inject('GET', '/connectors/c6/status')).json();
    assert.equal(status.connector.state, 'STOPPED');
    assert.doesNotMatch(t.logs(), /task failed/);
  });

  it('moves through RUNNING, PAUSED, RUNNING, STOPPED and back, persisting the target state', async () => {
    await create('c3');
    const status = () => inject('GET', '/connectors/c3/status').then((r) => r.json());
    const s1 = await status();
    assert.deepEqual(Object.keys(s1), ['name', 'connector', 'tasks', 'type']);
    assert.equal(s1.connector.state, 'RUNNING');
    assert.match(s1.connector.worker_id, /:8083$/);
    assert.deepEqual(
      s1.tasks.map((x: { id: number; state: string }) => [x.id, x.state]),
      [[0, 'RUNNING']],
    );
    assert.equal((await inject('PUT', '/connectors/c3/pause')).statusCode, 202);
    const s2 = await status();
    assert.equal(s2.connector.state, 'PAUSED');
    assert.equal(s2.tasks[0].state, 'PAUSED');
    assert.equal((await t.configStore.load()).get('c3')?.targetState, 'PAUSED');
    assert.equal((await inject('PUT', '/connectors/c3/resume')).statusCode, 202);
    assert.equal((await status()).tasks[0].state, 'RUNNING');
    assert.equal((await inject('PUT', '/connectors/c3/stop')).statusCode, 202);
    const s3 = await status();
    assert.equal(s3.connector.state, 'STOPPED');
    assert.deepEqual(s3.tasks, []);
    assert.deepEqual((await inject('GET', '/connectors/c3')).json().tasks, []);
    assert.equal((await inject('PUT', '/connectors/c3/resume')).statusCode, 202);
    assert.equal((await status()).connector.state, 'RUNNING');
  });

  it('a fatal failure leaves the task FAILED with a trace free of secrets until restarted', async () => {
    fakeSource.failStart = new RelayError(
      'SOURCE_PRIVILEGE_MISSING',
      "Access denied for user 'outflow' (login password=s3cret-pw)",
    );
    await create('c4');
    await eventually(
      async () => (await inject('GET', '/connectors/c4/status')).json().tasks[0].state === 'FAILED',
    );
    const failed = (await inject('GET', '/connectors/c4/status')).json();
    assert.equal(failed.connector.state, 'RUNNING');
    // Masked by key (`password=`), not by searching for the value: the user name stays readable.
    assert.match(
      failed.tasks[0].trace,
      /Access denied for user 'outflow' \(login password=\*\*\*\*\*\*\*\*\)/,
    );
    assert.doesNotMatch(failed.tasks[0].trace, /s3cret-pw/);
    const task = (await inject('GET', '/connectors/c4/tasks/0/status')).json();
    assert.equal(task.state, 'FAILED');
    assert.equal((await inject('GET', '/connectors/c4/tasks/1/status')).statusCode, 404);

    fakeSource.failStart = undefined;
    const onlyFailed = await inject('POST', '/connectors/c4/restart?includeTasks=true&onlyFailed=true');
    assert.equal(onlyFailed.statusCode, 202);
    assert.equal(onlyFailed.json().tasks[0].state, 'RESTARTING');
    await eventually(
      async () => (await inject('GET', '/connectors/c4/status')).json().tasks[0].state === 'RUNNING',
    );
    assert.equal((await inject('POST', '/connectors/c4/restart')).statusCode, 204);
    assert.equal((await inject('POST', '/connectors/c4/tasks/0/restart')).statusCode, 204);
    assert.equal((await inject('POST', '/connectors/c4/tasks/3/restart')).statusCode, 404);
    assert.doesNotMatch(t.logs(), /s3cret-pw/);
    assert.match(t.logs(), /\*\*\*\*\*\*\*\*/);
  });

  it('retries a retriable failure while the task stays RUNNING', async () => {
    fakeSource.failStart = new RelayError('SOURCE_UNAVAILABLE', 'database down', { retriable: true });
    const before = fakeSource.starts;
    await create('c5');
    await eventually(() => fakeSource.starts >= before + 3);
    const retrying = (await inject('GET', '/connectors/c5/status')).json().tasks[0];
    assert.equal(retrying.state, 'RUNNING');
    assert.match(retrying.trace, /SOURCE_UNAVAILABLE|database down/, 'the failure being retried is visible');
    assert.equal(
      t.logs().match(/"level":"warn"[^\n]*retries with backoff/g)?.length,
      1,
      'one warning per outage',
    );
    fakeSource.failStart = undefined;
    await eventually(
      async () => (await inject('GET', '/connectors/c5/status')).json().tasks[0].trace === undefined,
    );
    assert.match(t.logs(), /"level":"info"[^\n]*the task runs again after/);
  });

  it('stops within task.shutdown.graceful.timeout.ms while Kafka does not answer, saying what was not flushed', async () => {
    const hung = await createTestRelay({ workerProperties: { 'task.shutdown.graceful.timeout.ms': '300' } });
    try {
      await hung.relay.herder.putConfig('c-hung', { ...OUTBOX_CONFIG, transforms: '' });
      await eventually(() => hung.relay.herder.status('c-hung').tasks[0]?.state === 'RUNNING');
      fakeSink.hang = true;
      fakeSource.queue.push(outboxRecord('c', 'e-hung'));
      await eventually(() => fakeSource.queue.length === 0);
      const started = Date.now();
      await hung.relay.close();
      const took = Date.now() - started;
      assert.ok(took < 3000, `close took ${took} ms`);
      assert.match(
        hung.logs(),
        /"level":"error"[^\n]*did not stop within task.shutdown.graceful.timeout.ms=300/,
      );
    } finally {
      fakeSink.hang = false;
      await hung.relay.close();
    }
  });

  it('publishes records, tracks topics and offsets; offsets reset only when STOPPED', async () => {
    await create('c6', { ...OUTBOX_CONFIG, transforms: '' });
    fakeSource.queue.push(outboxRecord('c', 'e1', 'binlog.000002', 120));
    await eventually(() => t.sent.length === 1);
    assert.equal(t.sent[0]?.topic, 'dbserver1.course.outbox');
    await eventually(async () => (await inject('GET', '/connectors/c6/offsets')).json().offsets.length === 1);
    const offsets = (await inject('GET', '/connectors/c6/offsets')).json();
    assert.deepEqual(offsets, {
      offsets: [
        { partition: { server: 'dbserver1' }, offset: { file: 'binlog.000002', pos: 120, row: 0, event: 1 } },
      ],
    });
    assert.deepEqual((await inject('GET', '/connectors/c6/topics')).json(), {
      c6: { topics: ['dbserver1.course.outbox'] },
    });
    assert.equal((await inject('PUT', '/connectors/c6/topics/reset')).statusCode, 202);
    assert.deepEqual((await inject('GET', '/connectors/c6/topics')).json(), { c6: { topics: [] } });

    const running = await inject('DELETE', '/connectors/c6/offsets');
    assert.equal(running.statusCode, 400);
    assert.match(running.json().message, /STOPPED/);
    await inject('PUT', '/connectors/c6/stop');
    const reset = await inject('DELETE', '/connectors/c6/offsets');
    assert.equal(reset.statusCode, 200);
    assert.deepEqual((await inject('GET', '/connectors/c6/offsets')).json(), { offsets: [] });

    const metrics = await inject('GET', '/metrics');
    assert.match(metrics.headers['content-type'] as string, /^text\/plain/);
    assert.match(metrics.body, /outflow_source_events_read_total\{connector="c6"\} 1/);
    assert.match(metrics.body, /outflow_events_published_total\{connector="c6"\} 1/);
    assert.match(
      metrics.body,
      /outflow_source_position_info\{connector="c6",file="binlog.000002",pos="120"\} 1/,
    );
    assert.match(metrics.body, /outflow_connector_state\{connector="c6",state="STOPPED"\} 1/);
    assert.match(metrics.body, /outflow_source_lag_seconds\{connector="c6"\} [\d.]+/);
    assert.match(metrics.body, /process_resident_memory_bytes \d+/);
  });

  it('lists tasks, deletes a connector (204) and keeps its offsets', async () => {
    await create('c7', { ...OUTBOX_CONFIG, transforms: '' });
    const tasks = (await inject('GET', '/connectors/c7/tasks')).json();
    assert.deepEqual(tasks[0].id, { connector: 'c7', task: 0 });
    assert.equal(tasks[0].config['database.password'], '********');
    fakeSource.queue.push(outboxRecord('c', 'e2'));
    await eventually(async () => (await t.offsetStore.list('c7')).length === 1);
    assert.equal((await inject('DELETE', '/connectors/c7')).statusCode, 204);
    assert.equal((await inject('GET', '/connectors/c7')).statusCode, 404);
    assert.equal((await t.offsetStore.list('c7')).length, 1);
  });

  it('lists plugins and validates a configuration in Connect’s shape', async () => {
    const plugins = (await inject('GET', '/connector-plugins/')).json();
    assert.deepEqual(plugins[0], {
      class: 'io.debezium.connector.mysql.MySqlConnector',
      type: 'source',
      version: '9.9.9-fake',
    });
    assert.ok(plugins.every((p: { type: string }) => p.type === 'source'));
    const all = (await inject('GET', '/connector-plugins?connectorsOnly=false')).json();
    assert.ok(
      all.some(
        (p: { class: string; type: string }) =>
          p.class === 'io.debezium.transforms.outbox.EventRouter' && p.type === 'transformation',
      ),
    );
    const { 'database.hostname': _h, ...config } = OUTBOX_CONFIG;
    const res = await inject(
      'PUT',
      '/connector-plugins/io.debezium.connector.mysql.MySqlConnector/config/validate',
      { ...config, name: 'v', 'transforms.outbox.bogus': '1' },
    );
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.name, 'io.debezium.connector.mysql.MySqlConnector');
    assert.equal(body.error_count, 2);
    assert.ok(body.groups.includes('Common'));
    const host = body.configs.find((c: { value: { name: string } }) => c.value.name === 'database.hostname');
    assert.deepEqual(host.value.errors, ['is required']);
    assert.equal(host.definition.required, true);
    const pw = body.configs.find((c: { value: { name: string } }) => c.value.name === 'database.password');
    assert.equal(pw.value.value, '********');
    const bogus = body.configs.find(
      (c: { value: { name: string } }) => c.value.name === 'transforms.outbox.bogus',
    );
    assert.deepEqual(bogus.value.errors, ['is not a supported property']);
    const unknown = await inject('PUT', '/connector-plugins/com.example.Nope/config/validate', {});
    assert.equal(unknown.statusCode, 400);
  });
});

describe('relay restart (fakes)', () => {
  it('reloads stored configurations and target states', async () => {
    const configStore = createMemoryConfigStore();
    const first = await createTestRelay({ configStore });
    await first.relay.app.inject({
      method: 'POST',
      url: '/connectors',
      headers: JSON_HEADERS,
      payload: SEED_BODY,
    });
    await first.relay.app.inject({ method: 'PUT', url: '/connectors/outbox-connector/pause' });
    await first.relay.close();
    const second = await createTestRelay({ configStore, offsetStore: first.offsetStore });
    const status = (
      await second.relay.app.inject({ method: 'GET', url: '/connectors/outbox-connector/status' })
    ).json();
    assert.equal(status.connector.state, 'PAUSED');
    assert.doesNotMatch(second.logs(), /mysqlpw/);
    await second.relay.close();
  });
});
