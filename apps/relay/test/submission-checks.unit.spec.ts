// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${name}' is Java's regex replacement syntax here, not a template
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createMemoryConfigStore } from '../src/worker/config-store.ts';
import { createTestRelay, fakeSource } from './fakes.ts';

type TestRelay = Awaited<ReturnType<typeof createTestRelay>>;

const CLASS = 'io.debezium.connector.mysql.MySqlConnector';
const CONFIG = {
  'connector.class': CLASS,
  'database.hostname': '127.0.0.1',
  'database.user': 'outflow',
  'database.password': 'pw',
  'database.server.id': '5401',
  'topic.prefix': 'dbserver1',
  transforms: 'outbox',
  'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
};

/** Everything that is refused when submitted rather than failing later, through every way in. */
describe('configuration checked when submitted (fakes)', () => {
  let t: TestRelay;
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
    t.relay.app.inject({
      method,
      url,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const create = (name: string, config: Record<string, string>) =>
    inject('POST', '/connectors', { name, config });
  /** The validate endpoint's errors, by property. */
  const validate = async (config: Record<string, string>): Promise<Record<string, string[]>> => {
    const res = await inject('PUT', `/connector-plugins/${CLASS}/config/validate`, config);
    assert.equal(res.statusCode, 200);
    const out: Record<string, string[]> = {};
    for (const c of res.json().configs as { value: { name: string; errors: string[] } }[])
      if (c.value.errors.length > 0) out[c.value.name] = c.value.errors;
    return out;
  };
  /** Asserts a 400 whose message names `property` and matches `why`. */
  const refused = (res: Awaited<ReturnType<typeof inject>>, property: string, why: RegExp): void => {
    assert.equal(res.statusCode, 400, res.body);
    const message: string = res.json().message;
    assert.ok(message.includes(`${property}: `), message);
    assert.match(message, why);
  };

  beforeEach(async () => {
    fakeSource.queue = [];
    fakeSource.failStart = undefined;
    fakeSource.startDelayMs = 0;
    t = await createTestRelay();
  });
  afterEach(async () => {
    await t.relay.close();
  });

  it('a catastrophic or non-linear route.topic.regex is a 400 on create, update and validate', async () => {
    const backref = { ...CONFIG, 'transforms.outbox.route.topic.regex': '(?<routedByValue>a)\\1' };
    refused(await create('r', backref), 'transforms.outbox.route.topic.regex', /backreference.*linear time/);
    refused(await inject('PUT', '/connectors/r/config', backref), 'transforms.outbox.route.topic.regex', /./);
    const errors = await validate({ ...backref, name: 'r' });
    assert.match(errors['transforms.outbox.route.topic.regex']?.[0] ?? '', /backreference/);
    const lookahead = { ...CONFIG, 'transforms.outbox.route.topic.regex': '(?<routedByValue>a(?=b))' };
    refused(await create('r', lookahead), 'transforms.outbox.route.topic.regex', /lookaround/);
    // (a+)+ itself is fine: it runs in linear time on RE2.
    const nested = { ...CONFIG, 'transforms.outbox.route.topic.regex': '(?<routedByValue>(a+)+)' };
    assert.equal((await create('r', nested)).statusCode, 201);
    assert.deepEqual(await validate({ ...nested, name: 'r' }), {});
  });

  it('a replacement naming a group the regex lacks is a 400 on create, update and validate', async () => {
    const config = {
      ...CONFIG,
      'transforms.outbox.route.topic.regex': '(?<type>.*)',
      'transforms.outbox.route.topic.replacement': 'outbox.event.${routedByValue}',
    };
    const why = /group 'routedByValue', which the regex does not define/;
    refused(await create('g', config), 'transforms.outbox.route.topic.replacement', why);
    refused(
      await inject('PUT', '/connectors/g/config', config),
      'transforms.outbox.route.topic.replacement',
      why,
    );
    assert.match(
      (await validate({ ...config, name: 'g' }))['transforms.outbox.route.topic.replacement']?.[0] ?? '',
      why,
    );
    assert.deepEqual((await inject('GET', '/connectors')).json(), []);
  });

  it('two connectors with one database.server.id are refused, naming the other; a connector keeps its own', async () => {
    assert.equal((await create('first', CONFIG)).statusCode, 201);
    const second = { ...CONFIG, 'database.server.id': '05401', 'topic.prefix': 'other' };
    refused(
      await create('second', second),
      'database.server.id',
      /5401 is already used by connector 'first'/,
    );
    refused(await inject('PUT', '/connectors/second/config', second), 'database.server.id', /'first'/);
    assert.match((await validate({ ...second, name: 'second' }))['database.server.id']?.[0] ?? '', /'first'/);
    // Updating 'first' with its own id is fine, and so is another id for the second connector.
    const updated = await inject('PUT', '/connectors/first/config', { ...CONFIG, 'database.user': 'u2' });
    assert.equal(updated.statusCode, 200);
    assert.deepEqual(await validate({ ...CONFIG, name: 'first' }), {});
    assert.equal((await create('second', { ...second, 'database.server.id': '5402' })).statusCode, 201);
    // Once 'first' is deleted its id is free again.
    assert.equal((await inject('DELETE', '/connectors/first')).statusCode, 204);
    const reuse = await inject('PUT', '/connectors/second/config', {
      ...second,
      'database.server.id': '5401',
    });
    assert.equal(reuse.statusCode, 200);
  });

  it("applies Connect's name rules; a long name works on every route up to the limit, and is refused above it", async () => {
    const control = await create('a\u0007b', CONFIG);
    refused(control, 'name', /control characters, found U\+0007/);
    refused(await create('x\ud800', CONFIG), 'name', /lone UTF-16 surrogate/);
    refused(
      await inject('PUT', `/connectors/${'n'.repeat(256)}/config`, CONFIG),
      'name',
      /at most 255 characters/,
    );
    refused(await create('n'.repeat(256), CONFIG), 'name', /at most 255 characters.*got 256/);
    assert.match((await validate({ ...CONFIG, name: 'n'.repeat(300) })).name?.[0] ?? '', /at most 255/);
    // Connect trims a new connector's name.
    const trimmed = await create('  padded  ', CONFIG);
    assert.equal(trimmed.statusCode, 201);
    assert.equal(trimmed.json().name, 'padded');

    const long = `${'é/?#'.repeat(63)}xyz`;
    assert.equal(long.length, 255);
    const path = `/connectors/${encodeURIComponent(long)}`;
    const made = await create(long, { ...CONFIG, 'database.server.id': '7' });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.headers.location, path);
    assert.equal((await inject('GET', path)).json().name, long);
    assert.equal((await inject('GET', `${path}/status`)).statusCode, 200);
    assert.equal((await inject('PUT', `${path}/pause`)).statusCode, 202);
    const put = await inject('PUT', `${path}/config`, { ...CONFIG, 'database.server.id': '8' });
    assert.equal(put.statusCode, 200);
    assert.equal((await inject('DELETE', path)).statusCode, 204);
    assert.deepEqual((await inject('GET', '/connectors')).json(), ['padded']);
  });

  it('a connector stored with a long name by an older relay can still be read, updated and deleted', async () => {
    const old = 'o'.repeat(300);
    await t.relay.close();
    const stored = new Map([[old, { config: { ...CONFIG, name: old }, targetState: 'PAUSED' as const }]]);
    t = await createTestRelay({ configStore: createMemoryConfigStore(stored) });
    assert.equal((await inject('GET', `/connectors/${old}/status`)).json().connector.state, 'PAUSED');
    const put = await inject('PUT', `/connectors/${old}/config`, { ...CONFIG, 'database.user': 'u2' });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal((await inject('DELETE', `/connectors/${old}`)).statusCode, 204);
  });

  it('connectors stored with one database.server.id before this check still run, with a warning', async () => {
    await t.relay.close();
    const stored = new Map([
      ['one', { config: { ...CONFIG, name: 'one' }, targetState: 'PAUSED' as const }],
      ['two', { config: { ...CONFIG, name: 'two' }, targetState: 'PAUSED' as const }],
    ]);
    t = await createTestRelay({ configStore: createMemoryConfigStore(stored) });
    assert.deepEqual((await inject('GET', '/connectors')).json(), ['one', 'two']);
    assert.match(t.logs(), /5401 is already used by connector 'two'/);
    assert.match(t.logs(), /5401 is already used by connector 'one'/);
  });

  it('a configuration too large for one config-topic write is a 400 naming the biggest property', async () => {
    const big = { ...CONFIG, 'database.hostname': 'h'.repeat(9 * 1024 * 1024) };
    refused(
      await create('big', big),
      'database.hostname',
      /over the 1048576 bytes one write to the config topic/,
    );
    refused(await inject('PUT', '/connectors/big/config', big), 'database.hostname', /config topic/);
    assert.match((await validate({ ...big, name: 'big' }))['database.hostname']?.[0] ?? '', /config topic/);
    // Just under the limit is stored.
    const fits = { ...CONFIG, 'database.hostname': 'h'.repeat(1_000_000) };
    assert.equal((await create('fits', fits)).statusCode, 201);
    assert.deepEqual((await inject('GET', '/connectors')).json(), ['fits']);
  });
});
