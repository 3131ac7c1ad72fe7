/**
 * Tracing of a service: a SERVER span per HTTP request (continuing an incoming W3C `traceparent`), active
 * while the route handler runs so the outbox writer and the database calls below it are its children; and
 * the OpenTelemetry SDK, loaded only when the standard `OTEL_*` variables ask for an exporter. (The relay has
 * the same SDK start-up in `apps/relay/src/tracing.ts`: it is published and cannot depend on this package.)
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

const tracer = trace.getTracer('@outflow/service-kit');

const requestHeaders: TextMapGetter<FastifyRequest['headers']> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/**
 * Wraps every route handler registered after this call in a SERVER span named `<METHOD> <route>`. While no
 * SDK is registered (no propagator) the handler runs as it is.
 */
export function traceRequests(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    const path = route.url;
    route.handler = function traced(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      if (propagation.fields().length === 0) return handler.call(this, request, reply);
      const parent = propagation.extract(ROOT_CONTEXT, request.headers, requestHeaders);
      const span = tracer.startSpan(
        `${request.method} ${path}`,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, 'http.route': path, 'url.path': request.url },
        },
        parent,
      );
      reply.raw.once('finish', () => {
        span.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      return context.with(trace.setSpan(parent, span), () => handler.call(this, request, reply));
    };
  });
}

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
