export { EventRouter } from './outbox/event-router.ts';
export {
  type AdditionalField,
  type AdditionalFieldPlacement,
  type EventRouterConfig,
  eventRouterConfigDef,
  type InvalidOperationBehavior,
  toEventRouterConfig,
} from './outbox/event-router-config.ts';
export type { JsonNullBehavior } from './outbox/json-payload.ts';
export { compileTopicRouter, type TopicRouter } from './outbox/topic-router.ts';
export { ActivateTracingSpan, parseJavaProperties, type TracingOptions } from './outbox/tracing.ts';
export {
  activateTracingSpanPlugin,
  eventRouterPlugin,
  findTransformPlugin,
  requireTransformPlugin,
  transformPlugins,
} from './registry.ts';
