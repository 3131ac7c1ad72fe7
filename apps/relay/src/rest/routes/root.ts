import type { FastifyInstance } from 'fastify';
import type { AppOptions } from '../app.ts';

/** `GET /` (server info, as Connect answers it) and `GET /metrics` (Prometheus text format). */
export function registerRootRoutes(app: FastifyInstance, options: AppOptions): void {
  app.get('/', async () => ({
    version: options.server.version,
    commit: options.server.commit,
    kafka_cluster_id: await options.server.kafkaClusterId(),
  }));
  app.get('/metrics', async (_request, reply) => {
    void reply.type('text/plain; version=0.0.4; charset=utf-8');
    return options.metrics.render();
  });
}
