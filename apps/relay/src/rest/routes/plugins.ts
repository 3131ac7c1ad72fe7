import { ConfigError, type ConfigKey, type ConfigProblem, SECRET_MASK } from '@outflow/relay-core';
import type { FastifyInstance } from 'fastify';
import type { PluginRegistry } from '../../plugins.ts';
import { isSecret } from '../../secrets.ts';
import {
  analyseConnectorConfig,
  JSON_CONVERTER,
  SIMPLE_HEADER_CONVERTER,
  STRING_CONVERTER,
  unknownConnectorClassMessage,
} from '../../worker/framework-config.ts';
import type { Herder } from '../../worker/herder.ts';
import { badRequest } from '../errors.ts';

/** One entry of Connect's validation answer. */
interface ConfigInfo {
  definition: {
    name: string;
    type: string;
    required: boolean;
    default_value: string | null;
    importance: string;
    documentation: string;
    group: string;
    width: string;
    display_name: string;
    dependents: string[];
    order: number;
  };
  value: {
    name: string;
    value: string | null;
    recommended_values: string[];
    errors: string[];
    visible: boolean;
  };
}

/** `GET /connector-plugins` and `PUT /connector-plugins/{class}/config/validate`, in Connect's shapes. */
export function registerPluginRoutes(app: FastifyInstance, plugins: PluginRegistry, herder: Herder): void {
  app.get<{ Querystring: { connectorsOnly?: string } }>('/connector-plugins', async (request) => {
    const list: { class: string; type: string; version: string }[] = [];
    for (const p of plugins.connectors)
      for (const cls of p.classNames) list.push({ class: cls, type: 'source', version: p.version });
    if (request.query.connectorsOnly?.toLowerCase() === 'false') {
      for (const p of plugins.transforms)
        for (const cls of p.classNames) list.push({ class: cls, type: 'transformation', version: p.version });
      list.push(
        { class: JSON_CONVERTER, type: 'converter', version: '0.1.0' },
        { class: STRING_CONVERTER, type: 'converter', version: '0.1.0' },
        { class: SIMPLE_HEADER_CONVERTER, type: 'header_converter', version: '0.1.0' },
      );
    }
    return list;
  });

  app.put<{ Params: { plugin: string } }>('/connector-plugins/:plugin/config/validate', async (request) => {
    const className = request.params.plugin;
    const plugin = plugins.findConnector(className);
    if (plugin === undefined) throw badRequest(unknownConnectorClassMessage(className, plugins));
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('Request body must be a JSON object of string properties');
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) props[k] = typeof v === 'string' ? v : JSON.stringify(v);
    const included = props['connector.class'];
    if (included !== undefined && plugins.findConnector(included) !== plugin)
      throw badRequest(`Included connector type ${included} does not match request type ${className}`);
    props['connector.class'] ??= className;
    const relayProblems = herder.checkAgainstRelay(props.name ?? '', props);
    return validationAnswer(className, props, plugins, relayProblems, (config) =>
      herder.resolveReferences(config),
    );
  });
}

/** Connect's `ConfigInfos`: every definition with the value given and the errors found for it. */
function validationAnswer(
  className: string,
  props: Readonly<Record<string, string>>,
  plugins: PluginRegistry,
  relayProblems: readonly ConfigProblem[],
  resolve: (config: Record<string, string>) => Record<string, string>,
): { name: string; error_count: number; groups: string[]; configs: ConfigInfo[] } {
  // As Connect does, values are checked with their provider references resolved, and shown as given.
  let resolved: Record<string, string> = { ...props };
  const referenceProblems: ConfigProblem[] = [];
  try {
    resolved = resolve({ ...props });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    referenceProblems.push(...error.problems);
  }
  const analysis = analyseConnectorConfig(resolved, plugins);
  const errors = new Map<string, string[]>();
  for (const p of [...referenceProblems, ...analysis.problems, ...relayProblems])
    errors.set(p.property, [...(errors.get(p.property) ?? []), p.message]);
  const groups: string[] = [];
  const configs: ConfigInfo[] = [];
  const seen = new Set<string>();
  const add = (group: string, key: ConfigKey): void => {
    if (seen.has(key.name)) return;
    seen.add(key.name);
    if (!groups.includes(group)) groups.push(group);
    const given = props[key.name] ?? key.aliases?.map((a) => props[a]).find((v) => v !== undefined);
    const secret = key.type === 'password' || isSecret(key.name, analysis.plugin);
    configs.push({
      definition: {
        name: key.name,
        type: key.type.toUpperCase(),
        required: key.default === undefined,
        default_value: key.default === undefined || key.default === null ? null : String(key.default),
        importance: key.default === undefined ? 'HIGH' : 'MEDIUM',
        documentation: key.description,
        group,
        width: 'NONE',
        display_name: key.name,
        dependents: [],
        order: configs.length + 1,
      },
      value: {
        name: key.name,
        value: given === undefined ? null : secret ? SECRET_MASK : given,
        recommended_values: [...(key.oneOf ?? [])],
        errors: errors.get(key.name) ?? [],
        visible: true,
      },
    });
  };
  for (const { group, key } of analysis.keys) add(group, key);
  for (const property of errors.keys())
    add('Unsupported', {
      name: property,
      type: 'string',
      description: 'Not a property Outflow knows.',
      default: null,
    });
  return {
    name: className,
    error_count: referenceProblems.length + analysis.problems.length + relayProblems.length,
    groups,
    configs,
  };
}
