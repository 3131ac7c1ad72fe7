import {
  ConfigDef,
  ConfigError,
  type Logger,
  type Transform,
  type TransformPlugin,
} from '@outflow/relay-core';
import { EventRouter } from './outbox/event-router.ts';
import { eventRouterConfigDef, toEventRouterConfig } from './outbox/event-router-config.ts';
import { ActivateTracingSpan, TRACING_CONFIG_KEYS, toTracingOptions } from './outbox/tracing.ts';

/** Debezium's Outbox Event Router as a transform plugin (`transforms.<name>.type`). */
export const eventRouterPlugin: TransformPlugin = {
  classNames: ['io.debezium.transforms.outbox.EventRouter'],
  version: '0.1.0',
  configDef: eventRouterConfigDef,
  validate(values: Readonly<Record<string, unknown>>) {
    try {
      toEventRouterConfig(values);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  },
  create(values: Readonly<Record<string, unknown>>, logger: Logger): Transform {
    return new EventRouter(toEventRouterConfig(values), logger.child({ transform: 'EventRouter' }));
  },
};

/** Debezium's tracing transform for change events the Event Router does not route. */
export const activateTracingSpanPlugin: TransformPlugin = {
  classNames: ['io.debezium.transforms.tracing.ActivateTracingSpan'],
  version: '0.1.0',
  configDef: new ConfigDef(TRACING_CONFIG_KEYS),
  validate: () => [],
  create(values: Readonly<Record<string, unknown>>): Transform {
    return new ActivateTracingSpan(toTracingOptions(values));
  },
};

/** Every transform Outflow supports. Any other class is rejected, never skipped. */
export const transformPlugins: readonly TransformPlugin[] = [eventRouterPlugin, activateTracingSpanPlugin];

/** The plugin registered under `className`, or undefined when Outflow does not support that transform. */
export function findTransformPlugin(className: string): TransformPlugin | undefined {
  const name = className.trim();
  return transformPlugins.find((p) => p.classNames.includes(name));
}

/**
 * The plugin registered under `className`; otherwise throws a ConfigError (`CONFIG_UNSUPPORTED`) naming
 * `property` (e.g. `transforms.outbox.type`) and the supported classes.
 */
export function requireTransformPlugin(className: string, property = 'type'): TransformPlugin {
  const plugin = findTransformPlugin(className);
  if (plugin !== undefined) return plugin;
  const supported = transformPlugins.flatMap((p) => p.classNames).join(', ');
  throw new ConfigError(
    [
      {
        property,
        message: `transform class '${className}' is not supported by Outflow (supported: ${supported})`,
      },
    ],
    'CONFIG_UNSUPPORTED',
  );
}
