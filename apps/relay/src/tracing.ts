/**
 * The relay's OpenTelemetry SDK, loaded only when the standard `OTEL_*` variables ask for an exporter: the
 * Event Router then continues each outbox row's trace and writes `traceparent`/`tracestate` headers. Off, the
 * SDK modules are never imported and records are exactly Debezium's. (The services' twin lives in
 * `@outflow/service-kit`; the relay is published and cannot depend on that private package.)
 */
import { context, propagation, trace } from '@opentelemetry/api';

/** The exporter the standard variables choose, or undefined when tracing is off. */
export function tracesExporter(
  env: Readonly<Record<string, string | undefined>>,
): 'otlp' | 'console' | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const named = env.OTEL_TRACES_EXPORTER?.split(',')[0]?.trim().toLowerCase();
  if (named === 'none') return undefined;
  if (named === 'console') return 'console';
  if (named === 'otlp') return 'otlp';
  return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : undefined;
}

/**
 * Registers the OpenTelemetry SDK (tracer provider, AsyncLocalStorage context, W3C trace-context and baggage
 * propagators) when `OTEL_TRACES_EXPORTER` or an `OTEL_EXPORTER_OTLP_*ENDPOINT` asks for it; the SDK modules
 * are imported only then, so a process without them configured loads nothing. The OTLP exporter (HTTP,
 * protobuf) reads its endpoint, headers and timeout from the same variables of the process environment; `OTEL_SERVICE_NAME` overrides
 * `serviceName`. Resolves to a function that flushes and shuts the SDK down (a no-op when off).
 */
export async function startTracing(serviceName: string): Promise<() => Promise<void>> {
  const env = process.env;
  const kind = tracesExporter(env);
  if (kind === undefined) return async () => {};
  const [sdk, core, hooks, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/core'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
  ]);
  const exporter =
    kind === 'console'
      ? new sdk.ConsoleSpanExporter()
      : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  const provider = new sdk.TracerProvider({
    resource: resources
      .resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || serviceName })
      .merge(resources.detectResources({ detectors: [resources.envDetector] })),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter })],
  });
  context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);
  return async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  };
}
