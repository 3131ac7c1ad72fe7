import type { FastifyRequest } from 'fastify';
import type { ConnectorStatus, Herder } from '../../worker/herder.ts';

/**
 * Asks the worker at `url` for the connector's status (`GET …/status`); undefined when it cannot answer
 * at once or the request was itself forwarded.
 */
export type OwnerStatus = (
  name: string,
  url: string,
  request: FastifyRequest,
) => Promise<ConnectorStatus | undefined>;

/** A connector's status as the REST API answers it (`GET …/status`, `…/tasks/{id}/status`, `?expand=status`). */
export type StatusReader = (name: string, request: FastifyRequest) => Promise<ConnectorStatus>;

/**
 * In a cluster, a task another worker runs is reported as that worker answers for it; the status topic
 * (what `herder.status` reads) answers when it cannot be asked. Alone, the herder answers.
 */
export function statusReader(herder: Herder, ownerStatus?: OwnerStatus): StatusReader {
  return async (name, request) => {
    const status = herder.status(name);
    const owner = herder.taskOwner(name);
    const reported = status.tasks[0];
    // A pause or stop written here is this worker's to report until the owner has applied it.
    if (
      ownerStatus === undefined ||
      owner === undefined ||
      reported === undefined ||
      reported.state === 'PAUSED'
    )
      return status;
    const task = (await ownerStatus(name, owner.url, request))?.tasks.find((t) => t.id === reported.id);
    // An owner that does not know yet that it runs the task is no better a witness than the status topic.
    if (task === undefined || task.worker_id !== owner.workerId || task.state === 'PAUSED') return status;
    return { ...status, tasks: [task] };
  };
}
