// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${name}' is Java's regex replacement syntax here, not a template
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@outflow/relay-core';
import { recordingLogger } from '@outflow/testing';
import {
  eventRouterConfigDef,
  eventRouterPlugin,
  findTransformPlugin,
  requireTransformPlugin,
  toEventRouterConfig,
  transformPlugins,
} from '../src/index.ts';

/** The problems of the ConfigError `fn` throws, as `property: message`. */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems.map((p) => `${p.property}: ${p.message}`);
  }
  assert.fail('expected a ConfigError');
}

const create = (props: Record<string, string>) =>
  eventRouterPlugin.create(eventRouterConfigDef.parse(props).values, recordingLogger());

describe('EventRouter options', () => {
  it('declares Debezium’s defaults', () => {
    const { values, warnings } = eventRouterConfigDef.parse({});
    assert.deepEqual(warnings, []);
    assert.deepEqual(values, {
      'table.op.invalid.behavior': 'warn',
      'table.field.event.id': 'id',
      'table.field.event.key': 'aggregateid',
      'table.field.event.type': 'type',
      'table.field.event.timestamp': null,
      'table.field.event.payload': 'payload',
      'table.fields.additional.placement': [],
      'table.fields.additional.error.on.missing': true,
      'table.field.event.schema.version': null,
      'route.by.field': 'aggregatetype',
      'route.topic.regex': '(?<routedByValue>.*)',
      'route.topic.replacement': 'outbox.event.${routedByValue}',
      'route.tombstone.on.empty.payload': false,
      'table.expand.json.payload': false,
      'table.json.payload.null.behavior': 'ignore',
      'field.name.adjustment.mode': 'none',
      'tracing.span.context.field': 'tracingspancontext',
      'tracing.operation.name': 'debezium-read',
      'tracing.with.context.field.only': false,
    });
  });

  it('parses non-default values of every implemented option', () => {
    const config = toEventRouterConfig(
      eventRouterConfigDef.parse({
        'table.op.invalid.behavior': 'FATAL',
        'table.field.event.id': 'event_id',
        'table.field.event.key': 'aggregate_id',
        'table.field.event.type': 'event_type',
        'table.field.event.timestamp': 'created_at',
        'table.field.event.payload': 'body',
        'table.fields.additional.placement': 'event_type:header:eventType, tenant:envelope, shard:PARTITION',
        'table.fields.additional.error.on.missing': 'false',
        'table.field.event.schema.version': 'v',
        'route.by.field': 'aggregate_type',
        'route.topic.regex': '(?<t>.*)',
        'route.topic.replacement': 'events.${t}',
        'route.tombstone.on.empty.payload': 'true',
        'table.expand.json.payload': 'true',
        'table.json.payload.null.behavior': 'optional_bytes',
      }).values,
    );
    const { router, ...rest } = config;
    assert.equal(router.route('Order'), 'events.Order');
    assert.deepEqual(rest, {
      invalidOperationBehavior: 'fatal',
      fieldEventId: 'event_id',
      fieldEventKey: 'aggregate_id',
      fieldEventType: 'event_type',
      fieldEventTimestamp: 'created_at',
      fieldPayload: 'body',
      additionalFields: [
        { column: 'event_type', placement: 'header', alias: 'eventType' },
        { column: 'tenant', placement: 'envelope', alias: 'tenant' },
        { column: 'shard', placement: 'partition', alias: 'shard' },
      ],
      additionalFieldsErrorOnMissing: false,
      fieldSchemaVersion: 'v',
      routeByField: 'aggregate_type',
      routeTopicRegex: '(?<t>.*)',
      routeTopicReplacement: 'events.${t}',
      routeTombstoneOnEmptyPayload: true,
      expandJsonPayload: true,
      jsonPayloadNullBehavior: 'optional_bytes',
      tracing: {
        spanContextField: 'tracingspancontext',
        operationName: 'debezium-read',
        withContextFieldOnly: false,
      },
    });
  });

  it('accepts the legacy debezium.op.invalid.behavior with a deprecation warning', () => {
    const parsed = eventRouterConfigDef.parse({ 'debezium.op.invalid.behavior': 'error' });
    assert.equal(parsed.values['table.op.invalid.behavior'], 'error');
    assert.deepEqual(parsed.warnings, [
      "'debezium.op.invalid.behavior' is deprecated, use 'table.op.invalid.behavior'",
    ]);
  });

  it('rejects bad values, naming the option', () => {
    assert.deepEqual(
      problems(() =>
        eventRouterConfigDef.parse({
          'table.op.invalid.behavior': 'skip',
          'table.json.payload.null.behavior': 'null',
          'table.expand.json.payload': 'yes',
          'route.tombstone.on.empty.payload': '1',
          'table.fields.additional.error.on.missing': 'maybe',
          'route.by.field': ' ',
        }),
      ),
      [
        "table.op.invalid.behavior: must be one of warn, error, fatal, got 'skip'",
        "table.fields.additional.error.on.missing: must be true or false, got 'maybe'",
        'route.by.field: must name a column',
        "route.tombstone.on.empty.payload: must be true or false, got '1'",
        "table.expand.json.payload: must be true or false, got 'yes'",
        "table.json.payload.null.behavior: must be one of ignore, optional_bytes, got 'null'",
      ],
    );
  });

  it('rejects malformed placements', () => {
    const placement = (value: string) =>
      problems(() => eventRouterConfigDef.parse({ 'table.fields.additional.placement': value }))[0] ?? '';
    assert.match(placement('type'), /^table\.fields\.additional\.placement: expects .*column:placement/);
    assert.match(placement('type:header:a:b'), /column:placement:alias/);
    assert.match(placement('type:body'), /unknown placement 'body'/);
    assert.match(placement(':header'), /without a column/);
    assert.match(placement('type:envelope:payload'), /two envelope fields named 'payload'/);
    assert.match(placement('a:envelope:x,b:envelope:x'), /two envelope fields named 'x'/);
  });

  it('rejects a regex Outflow cannot run and a replacement naming a missing group', () => {
    assert.match(
      problems(() => eventRouterConfigDef.parse({ 'route.topic.regex': '(' }))[0] ?? '',
      /^route\.topic\.regex: /,
    );
    assert.match(
      problems(() => eventRouterConfigDef.parse({ 'route.topic.regex': 'a++' }))[0] ?? '',
      /possessive quantifier/,
    );
    assert.deepEqual(
      problems(() => create({ 'route.topic.replacement': 'outbox.${aggregate}' })),
      ["route.topic.replacement: refers to group 'aggregate', which the regex does not define"],
    );
    assert.deepEqual(
      problems(() => create({ 'route.topic.regex': '.*', 'route.topic.replacement': 'x.$1' })),
      ['route.topic.replacement: refers to group 1, but the regex has 0'],
    );
  });

  it('rejects Debezium options Outflow does not implement, and accepts their defaults', () => {
    assert.deepEqual(
      problems(() => eventRouterConfigDef.parse({ 'field.name.adjustment.mode': 'avro' })),
      ['field.name.adjustment.mode: is not supported by Outflow yet'],
    );
    assert.doesNotThrow(() => eventRouterConfigDef.parse({ 'field.name.adjustment.mode': 'none' }));
  });

  it('takes the tracing options, checking the column and span names', () => {
    const config = toEventRouterConfig(
      eventRouterConfigDef.parse({
        'tracing.span.context.field': 'span',
        'tracing.operation.name': 'relay-read',
        'tracing.with.context.field.only': 'true',
      }).values,
    );
    assert.deepEqual(config.tracing, {
      spanContextField: 'span',
      operationName: 'relay-read',
      withContextFieldOnly: true,
    });
    assert.deepEqual(
      problems(() =>
        eventRouterConfigDef.parse({ 'tracing.span.context.field': ' ', 'tracing.operation.name': '' }),
      ),
      ['tracing.span.context.field: must name a column', 'tracing.operation.name: must not be empty'],
    );
  });

  it('rejects options Debezium 3 does not have', () => {
    assert.deepEqual(
      problems(() =>
        eventRouterConfigDef.parse({
          'table.field.event.payload.id': 'aggregateid',
          'table.field.payload': 'x',
        }),
      ),
      [
        'table.field.event.payload.id: is not a supported property',
        'table.field.payload: is not a supported property',
      ],
    );
  });

  it('describes every option', () => {
    for (const key of eventRouterConfigDef.keys.values()) {
      assert.ok(key.description.length > 20, `${key.name} needs a description`);
      assert.notEqual(key.default, undefined, `${key.name} needs a default`);
    }
  });
});

describe('transform registry', () => {
  it('registers the EventRouter under Debezium’s class name', () => {
    assert.equal(findTransformPlugin('io.debezium.transforms.outbox.EventRouter'), eventRouterPlugin);
    assert.equal(requireTransformPlugin(' io.debezium.transforms.outbox.EventRouter '), eventRouterPlugin);
    assert.deepEqual(
      transformPlugins.flatMap((p) => p.classNames),
      ['io.debezium.transforms.outbox.EventRouter', 'io.debezium.transforms.tracing.ActivateTracingSpan'],
    );
  });

  it('rejects a transform class Outflow does not support', () => {
    assert.equal(findTransformPlugin('io.debezium.transforms.ExtractNewRecordState'), undefined);
    try {
      requireTransformPlugin('org.apache.kafka.connect.transforms.InsertField$Value', 'transforms.add.type');
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'CONFIG_UNSUPPORTED');
      assert.equal(err.problems[0]?.property, 'transforms.add.type');
      assert.match(
        err.message,
        /InsertField\$Value' is not supported by Outflow \(supported: io\.debezium\.transforms\.outbox\.EventRouter, io\.debezium\.transforms\.tracing\.ActivateTracingSpan\)/,
      );
    }
  });
});
