/**
 * The span context written into the outbox row, for the relay to continue the trace (Debezium's Outbox Event
 * Router reads the same column). The format is Debezium's: the text of a `java.util.Properties` holding what
 * the propagator injects (W3C `traceparent`, `tracestate`, `baggage`). Only the OpenTelemetry API is used:
 * without an SDK registered by the application, no propagator is set and nothing is written (NULL).
 */
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@outflow/outbox');

/**
 * Runs `write` inside an `outbox-write` span (a child of the caller's active span, as Debezium's Quarkus
 * outbox extension does) and hands it the serialized span context, or null when tracing is off.
 */
export async function withOutboxSpan<T>(
  attributes: Readonly<Record<string, string | number>>,
  write: (spanContext: string | null) => Promise<T>,
): Promise<T> {
  // No propagator registered: there is no SDK, so no span would be recorded and nothing could be injected.
  if (propagation.fields().length === 0) return write(null);
  const span = tracer.startSpan('outbox-write', { kind: SpanKind.INTERNAL, attributes });
  try {
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    const text = Object.keys(carrier).length === 0 ? null : toJavaProperties(carrier);
    return await write(text);
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    throw error;
  } finally {
    span.end();
  }
}

/**
 * `java.util.Properties.store` text without its date comment: `key=value` lines, with `\`, `=`, `:`, `#`, `!`
 * and control characters escaped and non-ASCII written as `\uXXXX`, so Java's `Properties.load` reads it back.
 */
export function toJavaProperties(entries: Readonly<Record<string, string>>): string {
  return Object.entries(entries)
    .map(([key, value]) => `${escapeProperty(key, true)}=${escapeProperty(value, false)}\n`)
    .join('');
}

function escapeProperty(text: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const code = text.charCodeAt(i);
    if (ch === ' ') out += isKey || i === 0 ? '\\ ' : ' ';
    else if (ch === '\\' || ch === '=' || ch === ':' || ch === '#' || ch === '!') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}
