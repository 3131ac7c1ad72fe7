/**
 * The handler's span: a child of the trace the producer (the relay) wrote in the record's W3C `traceparent`
 * / `tracestate` headers, so one trace runs from the request that wrote the outbox row to the handler's write.
 * Only the OpenTelemetry API is used: without an SDK registered by the application every call is a no-op.
 */
import {
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { InboxEvent } from '../types.ts';

const tracer = trace.getTracer('@outflow/inbox');

const headerGetter = {
  keys: (carrier: Readonly<Record<string, string>>) => Object.keys(carrier),
  get: (carrier: Readonly<Record<string, string>>, key: string) => carrier[key],
};

function producerContext(event: InboxEvent): Context {
  return propagation.extract(ROOT_CONTEXT, event.headers, headerGetter);
}

/**
 * Runs `work` (the handler over `events`) inside a CONSUMER span named `<topic> process`: the child of the
 * event's producer span for one event; for a batch, linked to each event's producer span, since a span has
 * one parent.
 */
export async function inHandlerSpan<T>(events: readonly InboxEvent[], work: () => Promise<T>): Promise<T> {
  const first = events[0];
  if (first === undefined) return work();
  const single = events.length === 1;
  const parent = single ? producerContext(first) : context.active();
  const links: Link[] = [];
  if (!single) {
    for (const event of events) {
      const linked = trace.getSpanContext(producerContext(event));
      if (linked !== undefined) links.push({ context: linked });
    }
  }
  const span = tracer.startSpan(
    `${first.topic} process`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': first.topic,
        'messaging.batch.message_count': events.length,
        ...(single
          ? {
              'messaging.message.id': first.id,
              'messaging.kafka.offset': Number(first.offset),
              'messaging.destination.partition.id': String(first.partition),
              ...(first.type === undefined ? {} : { 'outflow.event.type': first.type }),
            }
          : {}),
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
