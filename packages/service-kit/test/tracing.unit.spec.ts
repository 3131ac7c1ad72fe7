import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import { parentOf, recordSpans } from '@outflow/testing/tracing';
import Fastify from 'fastify';
import { traceRequests, tracesExporter } from '../src/index.ts';

describe('tracesExporter: the standard OTEL_* variables', () => {
  it('is off unless an exporter or an OTLP endpoint is named, and OTEL_SDK_DISABLED wins', () => {
    assert.equal(tracesExporter({}), undefined);
    assert.equal(tracesExporter({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), 'otlp');
    assert.equal(tracesExporter({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }), 'otlp');
    assert.equal(tracesExporter({ OTEL_TRACES_EXPORTER: 'console' }), 'console');
    assert.equal(
      tracesExporter({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' }),
      undefined,
    );
    assert.equal(tracesExporter({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }), undefined);
  });
});

describe('traceRequests', () => {
  it('runs each handler in a SERVER span that continues an incoming traceparent', async () => {
    const recorder = recordSpans();
    const app = Fastify();
    traceRequests(app);
    let active: string | undefined;
    app.post('/courses/:courseId/post', async () => {
      active = trace.getActiveSpan()?.spanContext().spanId;
      return { ok: true };
    });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/courses/42/post',
        headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      });
      assert.equal(res.statusCode, 200);
      const span = recorder.spans().find((s) => s.name === 'POST /courses/:courseId/post');
      assert.ok(span);
      assert.equal(span.kind, SpanKind.SERVER);
      assert.equal(span.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
      assert.equal(parentOf(span), 'b7ad6b7169203331');
      assert.equal(active, span.spanContext().spanId, 'the span is active inside the handler');
      assert.equal(span.attributes['http.response.status_code'], 200);
    } finally {
      await app.close();
      await recorder.close();
    }
  });

  it('adds nothing while no SDK is registered', async () => {
    const app = Fastify();
    traceRequests(app);
    app.get('/x', async () => ({ span: trace.getActiveSpan() === undefined }));
    assert.deepEqual((await app.inject({ method: 'GET', url: '/x' })).json(), { span: true });
    await app.close();
  });
});
