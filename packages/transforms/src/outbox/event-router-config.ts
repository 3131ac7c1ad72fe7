import {
  ConfigDef,
  ConfigError,
  type ConfigKey,
  type ConfigProblem,
  ConfigRegexError,
  checkConfigRegex,
} from '@outflow/relay-core';
import type { JsonNullBehavior } from './json-payload.ts';
import { compileTopicRouter, type TopicRouter } from './topic-router.ts';
import { TRACING_CONFIG_KEYS, type TracingOptions, toTracingOptions } from './tracing.ts';

/**
 * Options of Debezium's Outbox Event Router (`io.debezium.transforms.outbox.EventRouter`, Debezium 3.x),
 * declared once with the names, defaults and meaning of `EventRouterConfigDefinition`. Options Debezium has
 * and Outflow does not implement are declared too, so that setting them fails with "is not supported by
 * Outflow yet" instead of being ignored; their Debezium default is accepted because it changes nothing.
 */

/** What to do with an `op=u` change of the outbox table (`table.op.invalid.behavior`). */
export type InvalidOperationBehavior = 'warn' | 'error' | 'fatal';

/** Where an additional column goes (`table.fields.additional.placement`). */
export type AdditionalFieldPlacement = 'header' | 'envelope' | 'partition';

/** One `column:placement[:alias]` entry of `table.fields.additional.placement`. */
export interface AdditionalField {
  readonly column: string;
  readonly placement: AdditionalFieldPlacement;
  /** The header name or envelope field name; the column name when no alias is given. */
  readonly alias: string;
}

/** The router's configuration once parsed and checked. */
export interface EventRouterConfig {
  readonly invalidOperationBehavior: InvalidOperationBehavior;
  readonly fieldEventId: string;
  readonly fieldEventKey: string;
  readonly fieldEventType: string;
  readonly fieldEventTimestamp: string | null;
  readonly fieldPayload: string;
  readonly additionalFields: readonly AdditionalField[];
  readonly additionalFieldsErrorOnMissing: boolean;
  readonly fieldSchemaVersion: string | null;
  readonly routeByField: string;
  readonly routeTopicRegex: string;
  readonly routeTopicReplacement: string;
  readonly router: TopicRouter;
  readonly routeTombstoneOnEmptyPayload: boolean;
  readonly expandJsonPayload: boolean;
  readonly jsonPayloadNullBehavior: JsonNullBehavior;
  readonly tracing: TracingOptions;
}

const PLACEMENTS: readonly AdditionalFieldPlacement[] = ['header', 'envelope', 'partition'];

function columnName(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() === '' ? 'must name a column' : undefined;
}

function notSupportedUnless(defaultValue: unknown): (value: unknown) => string | undefined {
  return (value) => (value === defaultValue ? undefined : 'is not supported by Outflow yet');
}

/** Parses `table.fields.additional.placement` entries; returns the entries or the first problem. */
export function parseAdditionalFields(entries: readonly string[]): AdditionalField[] | string {
  const fields: AdditionalField[] = [];
  for (const entry of entries) {
    const parts = entry.split(':').map((p) => p.trim());
    if (parts.length !== 2 && parts.length !== 3)
      return `expects a comma-separated list of column:placement or column:placement:alias, got '${entry}'`;
    const [column = '', rawPlacement = '', alias] = parts;
    const placement = PLACEMENTS.find((p) => p === rawPlacement.toLowerCase());
    if (column === '') return `has an entry without a column: '${entry}'`;
    if (placement === undefined)
      return `has an unknown placement '${rawPlacement}' in '${entry}' (use header, envelope or partition)`;
    if (alias === '') return `has an empty alias in '${entry}'`;
    fields.push({ column, placement, alias: alias ?? column });
  }
  const envelopeNames = new Set<string>(['payload']);
  for (const f of fields) {
    if (f.placement !== 'envelope') continue;
    if (envelopeNames.has(f.alias)) return `places two envelope fields named '${f.alias}'`;
    envelopeNames.add(f.alias);
  }
  return fields;
}

const KEYS: readonly ConfigKey[] = [
  {
    name: 'table.op.invalid.behavior',
    type: 'string',
    default: 'warn',
    oneOf: ['warn', 'error', 'fatal'],
    aliases: ['debezium.op.invalid.behavior'],
    description:
      "What to do with an update of an outbox row (only inserts are expected; deletes are dropped silently): 'warn' logs a warning and drops it, 'error' logs an error and drops it, 'fatal' fails the connector.",
  },
  {
    name: 'table.field.event.id',
    type: 'string',
    default: 'id',
    validate: columnName,
    description: "The outbox column holding the event id, copied into the 'id' header of each message.",
  },
  {
    name: 'table.field.event.key',
    type: 'string',
    default: 'aggregateid',
    validate: columnName,
    description:
      'The outbox column holding the event key: the Kafka message key, which keeps per-aggregate order.',
  },
  {
    name: 'table.field.event.type',
    type: 'string',
    default: 'type',
    validate: columnName,
    description:
      "The outbox column holding the event type. Not emitted unless placed with 'table.fields.additional.placement'.",
  },
  {
    name: 'table.field.event.timestamp',
    type: 'string',
    default: null,
    description:
      'The outbox column whose value becomes the Kafka message timestamp (io.debezium.time.Timestamp, MicroTimestamp, NanoTimestamp, or ZonedTimestamp); unset or null: the time Debezium processed the change (envelope ts_ms).',
  },
  {
    name: 'table.field.event.payload',
    type: 'string',
    default: 'payload',
    validate: columnName,
    description: 'The outbox column holding the event payload: the Kafka message value.',
  },
  {
    name: 'table.fields.additional.placement',
    type: 'list',
    default: [],
    validate: (value) => {
      const parsed = parseAdditionalFields(value as string[]);
      return typeof parsed === 'string' ? parsed : undefined;
    },
    description:
      "Extra columns to emit, as a list of column:placement[:alias] where placement is 'header' (a message header), 'envelope' (a field next to 'payload' in a struct value) or 'partition' (the Kafka partition, an int32 column), e.g. 'type:header:eventType,tenant:envelope'.",
  },
  {
    name: 'table.fields.additional.error.on.missing',
    type: 'boolean',
    default: true,
    description:
      "Whether a column named in 'table.fields.additional.placement' that the row lacks fails the connector (true) or is skipped (false).",
  },
  {
    name: 'table.field.event.schema.version',
    type: 'string',
    default: null,
    description:
      'The outbox column (int32) whose value becomes the version of the value schema, when the value is a struct (an envelope placement exists).',
  },
  {
    name: 'route.by.field',
    type: 'string',
    default: 'aggregatetype',
    validate: columnName,
    description:
      "The outbox column whose value routes the event: it is matched by 'route.topic.regex' and becomes the topic through 'route.topic.replacement'.",
  },
  {
    name: 'route.topic.regex',
    type: 'string',
    default: '(?<routedByValue>.*)',
    validate: (value) => checkConfigRegex(value as string),
    description:
      "A Java regex that must match the whole value of 'route.by.field'; its groups feed 'route.topic.replacement'. A value it does not match is used as the topic unchanged. It runs in time linear in the value (RE2), so constructs that need backtracking (backreferences, lookaround, atomic groups, possessive quantifiers) are refused.",
  },
  {
    name: 'route.topic.replacement',
    type: 'string',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Java replacement syntax, not a template
    default: 'outbox.event.${routedByValue}',
    description:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Java replacement syntax, not a template
      "The topic name, as a Java regex replacement: '${name}' inserts a named group of 'route.topic.regex', '$1' a numbered one, '\\\\' escapes.",
  },
  {
    name: 'route.tombstone.on.empty.payload',
    type: 'boolean',
    default: false,
    description: 'Whether a null or blank payload is emitted as a tombstone (null value).',
  },
  {
    name: 'table.expand.json.payload',
    type: 'boolean',
    default: false,
    description:
      'Whether a string payload holding a JSON object is expanded into a struct with an inferred schema. Text that is not a JSON object is logged as a warning and emitted unchanged.',
  },
  {
    name: 'table.json.payload.null.behavior',
    type: 'string',
    default: 'ignore',
    oneOf: ['ignore', 'optional_bytes'],
    description:
      "With JSON expansion, how a null field is typed: 'ignore' leaves it out of the schema, 'optional_bytes' keeps it as optional bytes.",
  },
  {
    name: 'field.name.adjustment.mode',
    type: 'string',
    default: 'none',
    oneOf: ['none', 'avro', 'avro_unicode'],
    validate: notSupportedUnless('none'),
    description: "How field names of an expanded JSON payload are adjusted. Outflow supports only 'none'.",
  },
  ...TRACING_CONFIG_KEYS,
];

/** Every option of the Outbox Event Router, bare (the worker adds the `transforms.<name>.` prefix). */
export const eventRouterConfigDef: ConfigDef = new ConfigDef(KEYS);

function optionalColumn(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/**
 * Builds the router's configuration from values parsed by `eventRouterConfigDef`, checking what needs two
 * options together (the replacement's groups against the regex). Throws a ConfigError naming the option.
 */
export function toEventRouterConfig(values: Readonly<Record<string, unknown>>): EventRouterConfig {
  const problems: ConfigProblem[] = [];
  const regex = values['route.topic.regex'] as string;
  const replacement = values['route.topic.replacement'] as string;
  let router: TopicRouter | undefined;
  const regexProblem = checkConfigRegex(regex);
  if (regexProblem !== undefined) problems.push({ property: 'route.topic.regex', message: regexProblem });
  else {
    try {
      router = compileTopicRouter(regex, replacement);
    } catch (err) {
      if (!(err instanceof ConfigRegexError)) throw err;
      problems.push({ property: 'route.topic.replacement', message: err.message });
    }
  }
  const additional = parseAdditionalFields((values['table.fields.additional.placement'] as string[]) ?? []);
  if (typeof additional === 'string')
    problems.push({ property: 'table.fields.additional.placement', message: additional });
  if (problems.length > 0 || router === undefined || typeof additional === 'string')
    throw new ConfigError(problems);
  return {
    invalidOperationBehavior: values['table.op.invalid.behavior'] as InvalidOperationBehavior,
    fieldEventId: (values['table.field.event.id'] as string).trim(),
    fieldEventKey: (values['table.field.event.key'] as string).trim(),
    fieldEventType: (values['table.field.event.type'] as string).trim(),
    fieldEventTimestamp: optionalColumn(values['table.field.event.timestamp']),
    fieldPayload: (values['table.field.event.payload'] as string).trim(),
    additionalFields: additional,
    additionalFieldsErrorOnMissing: values['table.fields.additional.error.on.missing'] as boolean,
    fieldSchemaVersion: optionalColumn(values['table.field.event.schema.version']),
    routeByField: (values['route.by.field'] as string).trim(),
    routeTopicRegex: regex,
    routeTopicReplacement: replacement,
    router,
    routeTombstoneOnEmptyPayload: values['route.tombstone.on.empty.payload'] as boolean,
    expandJsonPayload: values['table.expand.json.payload'] as boolean,
    jsonPayloadNullBehavior: values['table.json.payload.null.behavior'] as JsonNullBehavior,
    tracing: toTracingOptions(values),
  };
}
