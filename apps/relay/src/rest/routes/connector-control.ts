import type { FastifyInstance } from 'fastify';
import type { Herder } from '../../worker/herder.ts';
import { badRequest } from '../errors.ts';
import type { StatusReader } from './status-reader.ts';

type NameParams = { Params: { name: string } };
type TaskParams = { Params: { name: string; task: string } };
type RestartQuery = { Querystring: { includeTasks?: string; onlyFailed?: string } };

/**
 * Connector life cycle and state, as Kafka Connect answers it: status, tasks, restart, pause/resume/stop,
 * active topics and offsets.
 */
export function registerConnectorControlRoutes(
  app: FastifyInstance,
  herder: Herder,
  statusOf: StatusReader,
): void {
  app.get<NameParams>('/connectors/:name/status', async (request) => statusOf(request.params.name, request));

  app.get<NameParams>('/connectors/:name/tasks', async (request) => {
    const info = herder.info(request.params.name);
    return info.tasks.map((id) => ({ id, config: info.config }));
  });

  app.get<TaskParams>('/connectors/:name/tasks/:task/status', async (request, reply) => {
    const status = await statusOf(request.params.name, request);
    const id = taskId(request.params.task);
    const task = status.tasks.find((t) => t.id === id);
    if (task === undefined) {
      void reply.code(404);
      return { error_code: 404, message: `No status found for task ${request.params.name}-${id}` };
    }
    return task;
  });

  app.post<TaskParams>('/connectors/:name/tasks/:task/restart', async (request, reply) => {
    await herder.restartTask(request.params.name, taskId(request.params.task));
    void reply.code(204);
  });

  app.post<NameParams & RestartQuery>('/connectors/:name/restart', async (request, reply) => {
    const includeTasks = flag(request.query.includeTasks, 'includeTasks');
    const onlyFailed = flag(request.query.onlyFailed, 'onlyFailed');
    const status = await herder.restart(request.params.name, { includeTasks, onlyFailed });
    if (!includeTasks && !onlyFailed) {
      void reply.code(204);
      return;
    }
    void reply.code(202);
    return status;
  });

  app.put<NameParams>('/connectors/:name/pause', async (request, reply) => {
    await herder.setTargetState(request.params.name, 'PAUSED');
    void reply.code(202);
  });

  app.put<NameParams>('/connectors/:name/resume', async (request, reply) => {
    await herder.setTargetState(request.params.name, 'STARTED');
    void reply.code(202);
  });

  app.put<NameParams>('/connectors/:name/stop', async (request, reply) => {
    await herder.setTargetState(request.params.name, 'STOPPED');
    void reply.code(202);
  });

  app.get<NameParams>('/connectors/:name/topics', async (request) => {
    const { name } = request.params;
    return { [name]: { topics: herder.topics(name) } };
  });

  app.put<NameParams>('/connectors/:name/topics/reset', async (request, reply) => {
    herder.resetTopics(request.params.name);
    void reply.code(202);
  });

  app.get<NameParams>('/connectors/:name/offsets', async (request) => ({
    offsets: await herder.offsets(request.params.name),
  }));

  app.delete<NameParams>('/connectors/:name/offsets', async (request) => {
    await herder.resetOffsets(request.params.name);
    return { message: 'The offsets for this connector have been reset successfully' };
  });

  app.patch<NameParams>('/connectors/:name/offsets', async (request, reply) => {
    herder.info(request.params.name);
    void reply.code(501);
    return {
      error_code: 501,
      message: 'Altering offsets is not supported by Outflow yet; DELETE resets them',
    };
  });
}

function taskId(raw: string): number {
  if (!/^\d+$/.test(raw)) throw badRequest(`Task id must be a number, got ${raw}`);
  return Number(raw);
}

function flag(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '') return false;
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw badRequest(`${name} must be true or false, got ${raw}`);
}
