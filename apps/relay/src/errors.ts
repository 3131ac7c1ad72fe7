import type { ConfigProblem } from '@outflow/relay-core';

/** Stable codes of the worker's errors. Check by code, never by message. */
export type WorkerErrorCode =
  | 'CONNECTOR_NOT_FOUND'
  | 'CONNECTOR_EXISTS'
  | 'TASK_NOT_FOUND'
  | 'CONNECTOR_CLASS_UNKNOWN'
  | 'CONNECTOR_CONFIG_INVALID'
  | 'CONNECTOR_NOT_STOPPED'
  | 'REQUEST_INVALID'
  | 'OPERATION_UNSUPPORTED'
  | 'REBALANCE_IN_PROGRESS'
  | 'FORWARD';

/** An error the worker reports to its caller (mapped to an HTTP status only at the REST edge). */
export class WorkerError extends Error {
  readonly code: WorkerErrorCode;
  /** Every property at fault, for `CONNECTOR_CONFIG_INVALID`. */
  readonly problems: readonly ConfigProblem[];
  /** `FORWARD`: the REST API of the worker that must handle the request (the leader, or the task's worker). */
  readonly forwardTo: string | undefined;

  constructor(
    code: WorkerErrorCode,
    message: string,
    options: { problems?: readonly ConfigProblem[]; cause?: unknown; forwardTo?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WorkerError';
    this.code = code;
    this.problems = options.problems ?? [];
    this.forwardTo = options.forwardTo;
  }
}

/** Connect's answer while the cluster rebalances or has no leader to take a write. */
export function rebalanceInProgress(): WorkerError {
  return new WorkerError(
    'REBALANCE_IN_PROGRESS',
    'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)',
  );
}

/** `Connector <name> not found`, as Kafka Connect says it. */
export function connectorNotFound(name: string): WorkerError {
  return new WorkerError('CONNECTOR_NOT_FOUND', `Connector ${name} not found`);
}
