import {
  CLOUDEVENTS_CONVERTER,
  CLOUDEVENTS_CONVERTER_KEYS,
  ConfigDef,
  ConfigError,
  type ConfigKey,
  type ConfigProblem,
  type SourceConnectorPlugin,
  type TransformPlugin,
} from '@outflow/relay-core';
import { WorkerError } from '../errors.ts';
import type { PluginRegistry } from '../plugins.ts';
import { CONNECTOR_NAME_MAX_LENGTH, checkConnectorName } from './connector-name.ts';

/** Kafka Connect's converter class names the relay implements. */
export const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';
export const STRING_CONVERTER = 'org.apache.kafka.connect.storage.StringConverter';
export const SIMPLE_HEADER_CONVERTER = 'org.apache.kafka.connect.storage.SimpleHeaderConverter';

const converterKeys = (side: 'key' | 'value'): ConfigKey[] => [
  {
    name: `${side}.converter`,
    type: 'class',
    default: JSON_CONVERTER,
    oneOf:
      side === 'value'
        ? [JSON_CONVERTER, STRING_CONVERTER, CLOUDEVENTS_CONVERTER]
        : [JSON_CONVERTER, STRING_CONVERTER],
    description: `Serialises record ${side}s. \`StringConverter\` writes a string ${side} as its text (an outbox payload as the JSON it holds), anything else as JSON.${side === 'value' ? ' `CloudEventsConverter` writes each change event as a CloudEvent (Debezium’s structured mode).' : ''}`,
  },
  {
    name: `${side}.converter.schemas.enable`,
    type: 'boolean',
    default: true,
    description: `JsonConverter: wrap each ${side} as \`{"schema":…,"payload":…}\`.`,
  },
  {
    name: `${side}.converter.decimal.format`,
    type: 'string',
    default: 'BASE64',
    oneOf: ['BASE64', 'NUMERIC'],
    description: 'JsonConverter: how decimals are written (base64 of the unscaled bytes, or a JSON number).',
  },
  {
    name: `${side}.converter.replace.null.with.default`,
    type: 'boolean',
    default: true,
    description: 'JsonConverter: write a null field that has a schema default as that default.',
  },
  ...(side === 'value'
    ? CLOUDEVENTS_CONVERTER_KEYS.map((key) => ({ ...key, name: `value.converter.${key.name}` }))
    : []),
];

/**
 * The properties the worker owns in every connector configuration (Kafka Connect's `ConnectorConfig` and
 * `SourceConnectorConfig`). `transforms.<alias>.*` options are checked by each transform's own ConfigDef.
 */
export const frameworkConfigDef = new ConfigDef([
  {
    name: 'name',
    type: 'string',
    description: `Unique name of the connector: not empty, no control characters (Connect's rule); a new connector's name is also well-formed Unicode of at most ${CONNECTOR_NAME_MAX_LENGTH} characters, so that every REST route can address it.`,
    validate: checkConnectorName,
  },
  {
    name: 'connector.class',
    type: 'class',
    description: 'Connector class, e.g. `io.debezium.connector.mysql.MySqlConnector`.',
  },
  {
    name: 'tasks.max',
    type: 'int',
    default: 1,
    min: 1,
    description:
      'Accepted as Debezium does: a CDC source reads one log, so exactly one task runs whatever the value.',
  },
  {
    name: 'transforms',
    type: 'list',
    default: [],
    description: 'Aliases of the transforms applied in order; each needs `transforms.<alias>.type`.',
  },
  {
    name: 'predicates',
    type: 'list',
    default: [],
    description: 'Not supported yet: must be empty.',
    validate: (v) => ((v as string[]).length > 0 ? 'predicates are not supported by Outflow yet' : undefined),
  },
  ...converterKeys('key'),
  ...converterKeys('value'),
  {
    name: 'header.converter',
    type: 'class',
    default: SIMPLE_HEADER_CONVERTER,
    oneOf: [SIMPLE_HEADER_CONVERTER],
    description: 'Serialises headers; string headers are written as UTF-8.',
  },
  {
    name: 'errors.tolerance',
    type: 'string',
    default: 'none',
    validate: (v) =>
      String(v).toLowerCase() === 'none'
        ? undefined
        : "only 'none' is supported: a failing record fails the task",
    description: 'Only `none`: a record that cannot be transformed or converted fails the task.',
  },
  {
    name: 'errors.log.enable',
    type: 'boolean',
    default: false,
    description: 'Accepted; failures are always logged with the connector and task.',
  },
  {
    name: 'errors.log.include.messages',
    type: 'boolean',
    default: false,
    description: 'Accepted; record contents are never logged.',
  },
  {
    name: 'topic.creation.default.partitions',
    type: 'int',
    default: null,
    min: 1,
    description: 'Partitions of the topics the connector writes to, when the relay creates them (default 1).',
  },
  {
    name: 'topic.creation.default.replication.factor',
    type: 'int',
    default: null,
    min: 1,
    description: 'Replication factor of the topics the relay creates for the connector (default 1).',
  },
  {
    name: 'offset.flush.interval.ms',
    type: 'long',
    default: null,
    min: 0,
    description:
      "This connector's offset flush interval; the worker's `offset.flush.interval.ms` when unset. Not used while exactly-once delivery is on (offsets are written with each batch).",
  },
  {
    name: 'exactly.once.support',
    type: 'string',
    default: 'requested',
    oneOf: ['requested', 'required'],
    description:
      'KIP-618: `requested` runs exactly-once when the worker can (`exactly.once.source.support=enabled` and offsets in Kafka), at-least-once otherwise; `required` refuses the connector where it cannot.',
  },
  {
    name: 'transaction.boundary',
    type: 'string',
    default: 'poll',
    oneOf: ['poll'],
    description:
      "KIP-618: where a transaction ends. `poll` (Connect's default): each batch the source returns, with the offsets after it, is one Kafka transaction. `interval` and `connector` are not supported.",
  },
]);

/** Names the worker owns: declared above, or a `transforms.<alias>.*` / `predicates.*` option. */
export function isFrameworkProperty(name: string): boolean {
  return (
    frameworkConfigDef.has(name) ||
    /^(transforms|predicates)\.[^.]+\..+/.test(name) ||
    // Checked against the worker's override policy and Kafka's names by the herder.
    name.startsWith('producer.override.')
  );
}

/** One configured transform, ready to instantiate. */
export interface ConfiguredTransform {
  readonly alias: string;
  readonly plugin: TransformPlugin;
  readonly values: Readonly<Record<string, unknown>>;
}

/** A connector configuration that passed every check. */
export interface ValidatedConnectorConfig {
  readonly name: string;
  readonly plugin: SourceConnectorPlugin;
  /** The connector plugin's parsed properties (what `createTask` receives). */
  readonly values: Readonly<Record<string, unknown>>;
  /** The framework properties, parsed. */
  readonly framework: Readonly<Record<string, unknown>>;
  readonly transforms: readonly ConfiguredTransform[];
  readonly warnings: readonly string[];
}

/** Every property definition that applies to a configuration, with the group it is shown in. */
export interface DefinedKey {
  readonly group: string;
  readonly key: ConfigKey;
}

/** What checking a configuration found: the result if valid, every problem otherwise. */
export interface ConfigAnalysis {
  readonly plugin: SourceConnectorPlugin | undefined;
  readonly result: ValidatedConnectorConfig | undefined;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
  readonly keys: readonly DefinedKey[];
}

/** Message of an unknown `connector.class`, as Kafka Connect words it. */
export function unknownConnectorClassMessage(className: string, registry: PluginRegistry): string {
  const known = registry.connectors.flatMap((p) => p.classNames).join(', ');
  return `Failed to find any class that implements Connector and which name matches ${className}, available connectors are: ${known}`;
}

/**
 * Checks a whole connector configuration: the framework properties, each transform's options, then the
 * connector plugin's ConfigDef and cross-property `validate`. Collects every problem instead of stopping at
 * the first, for the validate endpoint.
 */
export function analyseConnectorConfig(
  props: Readonly<Record<string, string>>,
  registry: PluginRegistry,
): ConfigAnalysis {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const keys: DefinedKey[] = [...frameworkConfigDef.keys.values()].map((key) => ({ group: 'Common', key }));
  const framework = collect(problems, warnings, () =>
    frameworkConfigDef.parse(props, { allowUnknown: () => true }),
  );
  const className = props['connector.class']?.trim();
  const plugin = className ? registry.findConnector(className) : undefined;
  if (className && plugin === undefined)
    problems.push({
      property: 'connector.class',
      message: unknownConnectorClassMessage(className, registry),
    });

  const transforms = checkTransforms(
    props,
    framework?.transforms as string[] | undefined,
    registry,
    problems,
    keys,
  );
  for (const name of Object.keys(props)) {
    if (/^predicates\.[^.]+\./.test(name) || /^transforms\.[^.]+\.(predicate|negate)$/.test(name))
      problems.push({ property: name, message: 'predicates are not supported by Outflow yet' });
  }

  let values: Readonly<Record<string, unknown>> | undefined;
  if (plugin !== undefined) {
    for (const key of plugin.configDef.keys.values()) keys.push({ group: 'Connector', key });
    values = collect(problems, warnings, () => {
      const parsed = plugin.configDef.parse(props, {
        allowUnknown: (name) => isFrameworkProperty(name) || plugin.acceptsProperty?.(name) === true,
      });
      // What the plugin accepts besides its declared properties (driver settings, its own Kafka clients'
      // security) reaches it as given.
      const passed: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(props))
        if (
          !plugin.configDef.has(name) &&
          !isFrameworkProperty(name) &&
          plugin.acceptsProperty?.(name) === true
        )
          passed[name] = value;
      return { values: { ...parsed.values, ...passed }, warnings: parsed.warnings };
    });
    if (values !== undefined) problems.push(...(plugin.validate?.(values) ?? []));
  }
  const result =
    problems.length === 0 && plugin !== undefined && values !== undefined && framework !== undefined
      ? { name: String(framework.name), plugin, values, framework, transforms, warnings }
      : undefined;
  return { plugin, result, problems, warnings, keys };
}

/**
 * Checks a configuration before the worker accepts it. Throws `CONNECTOR_CLASS_UNKNOWN` for an unknown
 * class (Connect's message) and `CONNECTOR_CONFIG_INVALID` listing every problem otherwise.
 */
export function validateConnectorConfig(
  props: Readonly<Record<string, string>>,
  registry: PluginRegistry,
): ValidatedConnectorConfig {
  const className = props['connector.class']?.trim();
  if (className && registry.findConnector(className) === undefined)
    throw new WorkerError('CONNECTOR_CLASS_UNKNOWN', unknownConnectorClassMessage(className, registry));
  const analysis = analyseConnectorConfig(props, registry);
  if (analysis.result !== undefined) return analysis.result;
  throw invalidConnectorConfig(analysis.problems, className);
}

/** `CONNECTOR_CONFIG_INVALID` listing every problem, in Connect's words. */
export function invalidConnectorConfig(
  problems: readonly ConfigProblem[],
  className: string | undefined,
): WorkerError {
  const lines = problems.map((p) => `${p.property}: ${p.message}`);
  return new WorkerError(
    'CONNECTOR_CONFIG_INVALID',
    `Connector configuration is invalid and contains the following ${problems.length} error(s):\n${lines.join('\n')}\n` +
      `You can also find the above list of errors at the endpoint \`/connector-plugins/${className ?? '{connectorType}'}/config/validate\``,
    { problems },
  );
}

function checkTransforms(
  props: Readonly<Record<string, string>>,
  aliases: readonly string[] | undefined,
  registry: PluginRegistry,
  problems: ConfigProblem[],
  keys: DefinedKey[],
): ConfiguredTransform[] {
  const out: ConfiguredTransform[] = [];
  const seen = new Set<string>();
  for (const alias of aliases ?? []) {
    const prefix = `transforms.${alias}.`;
    if (seen.has(alias)) {
      problems.push({ property: 'transforms', message: `lists the alias '${alias}' twice` });
      continue;
    }
    seen.add(alias);
    const type = props[`${prefix}type`]?.trim();
    keys.push({
      group: `Transforms: ${alias}`,
      key: { name: `${prefix}type`, type: 'class', description: 'Class of the transform.' },
    });
    if (!type) {
      problems.push({ property: `${prefix}type`, message: 'is required' });
      continue;
    }
    const plugin = registry.findTransform(type);
    if (plugin === undefined) {
      const known = registry.transforms.flatMap((p) => p.classNames).join(', ');
      problems.push({
        property: `${prefix}type`,
        message: `Class ${type} could not be found; supported transforms: ${known}`,
      });
      continue;
    }
    for (const key of plugin.configDef.keys.values())
      keys.push({ group: `Transforms: ${alias}`, key: { ...key, name: prefix + key.name } });
    const options: Record<string, string> = {};
    for (const [name, value] of Object.entries(props)) {
      if (!name.startsWith(prefix) || name === `${prefix}type`) continue;
      if (name === `${prefix}predicate` || name === `${prefix}negate`) continue;
      options[name.slice(prefix.length)] = value;
    }
    try {
      const values = plugin.configDef.parse(options).values;
      const together = plugin.validate?.(values) ?? [];
      for (const p of together) problems.push({ property: prefix + p.property, message: p.message });
      if (together.length === 0) out.push({ alias, plugin, values });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const p of error.problems) problems.push({ property: prefix + p.property, message: p.message });
    }
  }
  return out;
}

function collect(
  problems: ConfigProblem[],
  warnings: string[],
  parse: () => { values: Readonly<Record<string, unknown>>; warnings: readonly string[] },
): Readonly<Record<string, unknown>> | undefined {
  try {
    const parsed = parse();
    warnings.push(...parsed.warnings);
    return parsed.values;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}
