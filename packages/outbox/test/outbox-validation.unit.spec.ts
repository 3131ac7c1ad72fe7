import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOutbox, type Outboxable, OutboxPayloadError } from '../src/index.ts';
import { COURSE, event, ID1, ID2, RecordingExecutor, rejectsBeforeSql } from './support.ts';

describe('write: payload limit', () => {
  // {"s":"…"} is 8 bytes of framing around the string.
  const framed = (content: string) => ({ s: content });

  it('a payload exactly at the limit passes', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', maxPayloadBytes: 20 });
    const [w] = await outbox.write(executor, event({ payload: framed('x'.repeat(12)) }));
    assert.equal(Buffer.byteLength(w!.payload), 20);
    assert.equal(executor.calls.length, 2);
  });

  it('one byte over the limit fails before any SQL, naming the event, the size and the limit', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', maxPayloadBytes: 20 });
    const error = await rejectsBeforeSql(
      executor,
      () => outbox.write(executor, event({ payload: framed('x'.repeat(13)) })),
      'OUTBOX_PAYLOAD_TOO_LARGE',
      /CoursePostedEvent.*bc32dd3f-2334-43d9-9493-71b538510efe.*21 bytes.*limit of 20 bytes/,
    );
    assert.ok(error instanceof OutboxPayloadError);
    assert.equal(error.details.bytes, 21);
    assert.equal(error.details.limit, 20);
    assert.equal(error.details.type, 'CoursePostedEvent');
    assert.equal(error.details.aggregateId, COURSE);
  });

  it('counts multibyte UTF-8 in bytes, not characters', async () => {
    const outbox = createOutbox({ dialect: 'postgres', maxPayloadBytes: 20 });
    // '강' is 3 bytes in UTF-8: 8 + 4 * 3 = 20 bytes in 12 characters.
    const ok = new RecordingExecutor();
    const [w] = await outbox.write(ok, event({ payload: framed('강'.repeat(4)) }));
    assert.equal(w!.payload.length, 12);
    const over = new RecordingExecutor();
    await rejectsBeforeSql(
      over,
      () => outbox.write(over, event({ payload: framed(`${'강'.repeat(4)}x`) })),
      'OUTBOX_PAYLOAD_TOO_LARGE',
      /21 bytes/,
    );
    // An emoji is one surrogate pair (2 UTF-16 units) and 4 bytes: 8 + 3 * 4 = 20 bytes.
    const [emoji] = await outbox.write(ok, event({ payload: framed('😀'.repeat(3)) }));
    assert.equal(Buffer.byteLength(emoji!.payload), 20);
    await rejectsBeforeSql(
      over,
      () => outbox.write(over, event({ payload: framed(`${'😀'.repeat(3)}x`) })),
      'OUTBOX_PAYLOAD_TOO_LARGE',
      /21 bytes of JSON \(UTF-8\), over the limit of 20 bytes/,
    );
  });

  it('the default limit is 1 MiB', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', mode: 'keep' });
    await outbox.write(executor, event({ payload: 'x'.repeat(1_048_574) })); // + 2 quotes = 1 MiB
    await assert.rejects(outbox.write(executor, event({ payload: 'x'.repeat(1_048_575) })), {
      code: 'OUTBOX_PAYLOAD_TOO_LARGE',
    });
    assert.equal(executor.calls.length, 1);
  });

  it('a bad event anywhere in a batch stops the whole batch before SQL', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', maxPayloadBytes: 100 });
    const error = await rejectsBeforeSql(
      executor,
      () => outbox.write(executor, [event({ id: ID1 }), event({ id: ID2, payload: 'y'.repeat(200) })]),
      'OUTBOX_PAYLOAD_TOO_LARGE',
      /event 1 /,
    );
    assert.equal(error.details.index, 1);
  });
});

describe('write: payloads that are not JSON', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const cases: [string, unknown][] = [
    ['a BigInt', 10n],
    ['a nested BigInt', { amount: 10n }],
    ['a circular object', circular],
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    [
      'a throwing toJSON',
      {
        toJSON() {
          throw new Error('nope');
        },
      },
    ],
  ];
  for (const [name, payload] of cases) {
    it(`rejects ${name} before any SQL`, async () => {
      const executor = new RecordingExecutor();
      const error = await rejectsBeforeSql(
        executor,
        () => createOutbox({ dialect: 'postgres' }).write(executor, event({ payload })),
        'OUTBOX_PAYLOAD_NOT_JSON',
        /CoursePostedEvent.*bc32dd3f-2334-43d9-9493-71b538510efe.*not serialisable to JSON/,
      );
      assert.ok(error instanceof OutboxPayloadError);
    });
  }
});

describe('write: payloads the database would refuse', () => {
  it('rejects a lone surrogate on both dialects, before any SQL', async () => {
    for (const dialect of ['mysql', 'postgres'] as const) {
      const executor = new RecordingExecutor();
      const error = await rejectsBeforeSql(
        executor,
        () => createOutbox({ dialect }).write(executor, event({ payload: { name: 'broken \ud800' } })),
        'OUTBOX_PAYLOAD_NOT_JSON',
        /lone UTF-16 surrogate/,
      );
      assert.equal(error.details.reason, 'lone-surrogate');
      assert.equal(error.details.path, '/name');
    }
  });

  it('names where the bad string is, as a JSON Pointer into the payload, on both dialects', async () => {
    const cases: [string, unknown, string, RegExp][] = [
      [
        'nested in arrays',
        { a: [{ ok: '😀' }, { b: ['x', 'y \ud800', 'z\udc00'] }] },
        '/a/1/b/1',
        /string at \/a\/1\/b\/1/,
      ],
      ['first in document order', { a: { b: 'fine' }, c: '\udfff', d: '\ud800' }, '/c', /string at \/c/],
      ['a property name', { ok: 1, 'k\ud800': 'v' }, '/k\ud800', /property name at \/k/],
      ['escaped segments', { 'a/b': { 'c~d': '\udbff' } }, '/a~1b/c~0d', /string at \/a~1b\/c~0d/],
      ['the payload itself', '\ud800', '', /the payload string holds/],
      ['what toJSON returns', { when: { toJSON: () => 'x\udc00' } }, '/when', /string at \/when/],
    ];
    for (const dialect of ['mysql', 'postgres'] as const) {
      for (const [name, payload, path, message] of cases) {
        const executor = new RecordingExecutor();
        const error = await rejectsBeforeSql(
          executor,
          () => createOutbox({ dialect }).write(executor, [event(), event({ id: ID2, payload })]),
          'OUTBOX_PAYLOAD_NOT_JSON',
          message,
        );
        assert.equal(error.details.path, path, `${dialect}: ${name}`);
        assert.equal(error.details.index, 1, `${dialect}: ${name}`);
      }
    }
  });

  it('names where U+0000 is on postgres, however deep', async () => {
    let deep: unknown = { leaf: 'a\0b' };
    for (let i = 0; i < 1000; i++) deep = [deep];
    for (const [payload, path] of [
      [{ list: ['a', { 'x\0': 1 }] }, '/list/1/x\0'],
      [deep, `${'/0'.repeat(1000)}/leaf`],
    ] as const) {
      const executor = new RecordingExecutor();
      const error = await rejectsBeforeSql(
        executor,
        () => createOutbox({ dialect: 'postgres' }).write(executor, event({ payload })),
        'OUTBOX_PAYLOAD_NOT_JSON',
        /holds U\+0000/,
      );
      assert.equal(error.details.reason, 'nul');
      assert.equal(error.details.path, path);
    }
  });

  it('accepts paired surrogates and text that merely looks like an escape', async () => {
    const executor = new RecordingExecutor();
    const [w] = await createOutbox({ dialect: 'postgres' }).write(
      executor,
      event({ payload: { emoji: '😀', text: '\\ud800 and \\u0000' } }),
    );
    assert.deepEqual(JSON.parse(w!.payload), { emoji: '😀', text: '\\ud800 and \\u0000' });
  });

  it('rejects U+0000 on postgres (jsonb cannot store it) but not on mysql', async () => {
    const payload = { name: 'a\0b' };
    const pgExecutor = new RecordingExecutor();
    await rejectsBeforeSql(
      pgExecutor,
      () => createOutbox({ dialect: 'postgres' }).write(pgExecutor, event({ payload })),
      'OUTBOX_PAYLOAD_NOT_JSON',
      /U\+0000/,
    );
    const mysqlExecutor = new RecordingExecutor();
    const [w] = await createOutbox({ dialect: 'mysql' }).write(mysqlExecutor, event({ payload }));
    assert.equal(w!.payload, '{"name":"a\\u0000b"}');
  });
});

describe('write: invalid events', () => {
  const cases: [string, Partial<Record<keyof Outboxable, unknown>>, string][] = [
    ['empty aggregateType', { aggregateType: '' }, 'aggregateType'],
    ['blank aggregateId', { aggregateId: '  ' }, 'aggregateId'],
    ['empty type', { type: '' }, 'type'],
    ['missing type', { type: undefined }, 'type'],
    ['numeric aggregateId', { aggregateId: 42 }, 'aggregateId'],
    ['aggregateType unusable in a topic name', { aggregateType: 'Course Events' }, 'aggregateType'],
    ['aggregateId over 255 characters', { aggregateId: 'a'.repeat(256) }, 'aggregateId'],
    ['aggregateId with U+0000', { aggregateId: 'a\0b' }, 'aggregateId'],
    ['type with a lone surrogate', { type: 'Posted\ud800' }, 'type'],
    ['id not a UUID', { id: 'not-a-uuid' }, 'id'],
    ['id a number', { id: 7 }, 'id'],
  ];
  for (const [name, overrides, field] of cases) {
    it(`rejects ${name}, naming "${field}", before any SQL`, async () => {
      const executor = new RecordingExecutor();
      const bad = { ...event(), ...overrides } as Outboxable;
      const error = await rejectsBeforeSql(
        executor,
        () => createOutbox({ dialect: 'mysql' }).write(executor, bad),
        'OUTBOX_EVENT_INVALID',
        new RegExp(`"${field}"`),
      );
      assert.equal(error.details.field, field);
    });
  }

  it('rejects duplicate ids in one batch', async () => {
    const executor = new RecordingExecutor();
    await rejectsBeforeSql(
      executor,
      () => createOutbox({ dialect: 'mysql' }).write(executor, [event(), event({ id: ID1.toUpperCase() })]),
      'OUTBOX_EVENT_INVALID',
      /appears twice/,
    );
  });

  it('rejects a null event and a missing batch', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql' });
    await rejectsBeforeSql(
      executor,
      () => outbox.write(executor, [null as unknown as Outboxable]),
      'OUTBOX_EVENT_INVALID',
    );
    await rejectsBeforeSql(
      executor,
      () => outbox.write(executor, undefined as never),
      'OUTBOX_EVENT_INVALID',
    );
  });
});
