/**
 * An OpenTelemetry SDK for tests: registers a tracer provider that keeps finished spans in memory, the
 * AsyncLocalStorage context manager and the W3C propagators as the process' globals, as an application's
 * SDK set-up would, so code that only uses `@opentelemetry/api` records real spans.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** The spans recorded since {@link recordSpans} (or the last `reset`). */
export interface SpanRecorder {
  spans(): readonly ReadableSpan[];
  reset(): void;
  /** Unregisters the globals: later spans are no-ops again. */
  close(): Promise<void>;
}

/**
 * One provider per process, as in an application: the API's tracers cache the provider they first resolved
 * through, so a second provider would never see spans of code that already traced once.
 */
let sdk: { exporter: InMemorySpanExporter; provider: TracerProvider } | undefined;

/** Registers the in-memory SDK globally; `close()` unregisters it (one recorder at a time per process). */
export function recordSpans(): SpanRecorder {
  if (sdk === undefined) {
    const exporter = new InMemorySpanExporter();
    sdk = {
      exporter,
      provider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    };
  }
  const { exporter, provider } = sdk;
  exporter.reset();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async close() {
      await provider.forceFlush();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** The span's parent span id, or undefined for a root span. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
