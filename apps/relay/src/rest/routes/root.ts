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
    void reply.type(options.metrics.contentType);
    return options.metrics.render();
  });
}
