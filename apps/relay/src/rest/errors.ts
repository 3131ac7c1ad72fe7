import { ConfigError, RelayError } from '@outflow/relay-core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { WorkerError, type WorkerErrorCode } from '../errors.ts';

/** Kafka Connect's error body: `{"error_code": <http status>, "message": "…"}`. */
export interface ErrorBody {
  error_code: number;
  message: string;
}

const STATUS_BY_CODE: Record<WorkerErrorCode, number> = {
  CONNECTOR_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  CONNECTOR_EXISTS: 409,
  CONNECTOR_CLASS_UNKNOWN: 400,
  CONNECTOR_CONFIG_INVALID: 400,
  CONNECTOR_NOT_STOPPED: 400,
  REQUEST_INVALID: 400,
  OPERATION_UNSUPPORTED: 501,
  REBALANCE_IN_PROGRESS: 409,
  FORWARD: 500,
};

/** A 400 for a request the API cannot accept (body shape, parameters). */
export function badRequest(message: string): WorkerError {
  return new WorkerError('REQUEST_INVALID', message);
}

/** Maps any error to Connect's error body and HTTP status; the only place errors meet HTTP. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof WorkerError) return { error_code: STATUS_BY_CODE[error.code], message: error.message };
  if (error instanceof ConfigError) return { error_code: 400, message: error.message };
  if (error instanceof RelayError && error.code.startsWith('CONFIG_'))
    return { error_code: 400, message: error.message };
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return { error_code: 415, message: 'HTTP 415 Unsupported Media Type' };
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return { error_code: status, message: fastifyError.message ?? 'Bad request' };
  return { error_code: 500, message: 'Internal server error; the relay log has the details' };
}

/** Fastify error handler answering in Connect's shape; 5xx are logged (secrets are scrubbed by the log stream). */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const body = toErrorBody(error);
  if (body.error_code >= 500) request.log.error({ err: error }, 'request failed');
  void reply.code(body.error_code).send(body);
}

/** Connect answers unknown paths with `HTTP 404 Not Found`. */
export function notFoundHandler(_request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send({ error_code: 404, message: 'HTTP 404 Not Found' });
}
