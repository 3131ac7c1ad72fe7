import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { propagation, trace } from '@opentelemetry/api';
import { startTracing, tracesExporter } from '../src/tracing.ts';

describe('relay tracing start-up', () => {
  it('reads the standard OTEL_* variables like the services do', () => {
    assert.equal(tracesExporter({}), undefined);
    assert.equal(tracesExporter({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), 'otlp');
    assert.equal(
      tracesExporter({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' }),
      undefined,
    );
    assert.equal(tracesExporter({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'console' }), undefined);
  });

  it('registers the SDK and the W3C propagators when configured, and removes them on stop', async () => {
    const saved = process.env.OTEL_TRACES_EXPORTER;
    process.env.OTEL_TRACES_EXPORTER = 'console';
    try {
      const stop = await startTracing('outflow-relay');
      assert.deepEqual(propagation.fields().sort(), ['baggage', 'traceparent', 'tracestate']);
      assert.equal(trace.getTracer('t').startSpan('x').isRecording(), true);
      await stop();
      assert.deepEqual(propagation.fields(), []);
    } finally {
      if (saved === undefined) delete process.env.OTEL_TRACES_EXPORTER;
      else process.env.OTEL_TRACES_EXPORTER = saved;
    }
  });
});
