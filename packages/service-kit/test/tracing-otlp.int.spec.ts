/**
 * With an OTLP endpoint configured, `startTracing` loads the SDK and exports spans over OTLP/HTTP
 * (protobuf) to it; a local HTTP server stands in for the collector. Own file: the SDK registers globals.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { startTracing } from '../src/index.ts';

describe('startTracing', () => {
  it('exports spans to OTEL_EXPORTER_OTLP_ENDPOINT and flushes them on shutdown', async () => {
    const received: { url: string; type: string; body: Buffer }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          url: req.url ?? '',
          type: String(req.headers['content-type']),
          body: Buffer.concat(chunks),
        });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      // The exporter reads its endpoint from the process environment, as in a deployed service.
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
      process.env.OTEL_SERVICE_NAME = 'course-service-test';
      const stop = await startTracing('test-service');
      try {
        trace.getTracer('test').startSpan('exported-span').end();
      } finally {
        await stop();
      }
      const traces = received.find((r) => r.url === '/v1/traces');
      assert.ok(traces, `requests: ${received.map((r) => r.url).join(', ')}`);
      assert.equal(traces.type, 'application/x-protobuf');
      assert.ok(traces.body.includes(Buffer.from('exported-span')), 'the span name is in the payload');
      assert.ok(
        traces.body.includes(Buffer.from('course-service-test')),
        'OTEL_SERVICE_NAME is the resource',
      );
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      delete process.env.OTEL_SERVICE_NAME;
      server.close();
    }
  });

  it('loads nothing when no exporter is configured', async () => {
    const stop = await startTracing('test-service');
    assert.equal(trace.getTracer('t').startSpan('x').isRecording(), false);
    await stop();
  });
});
