/** Stable error codes of `@outflow/kafka`. Check errors by `code`, never by message. */
export type KafkaClientErrorCode =
  | 'KAFKA_CONFIG_INVALID'
  | 'KAFKA_TOPIC_CREATE_FAILED'
  | 'KAFKA_SCRAM_UPSERT_FAILED';

/** Base error of `@outflow/kafka`: a stable `code`, structured `details`, and whether retrying may help. */
export class KafkaClientError extends Error {
  readonly code: KafkaClientErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly retriable: boolean;

  constructor(
    code: KafkaClientErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KafkaClientError';
    this.code = code;
    this.details = options.details ?? {};
    this.retriable = options.retriable ?? false;
  }
}

/** Builds the error for one invalid option, naming it. */
export function invalidOption(option: string, problem: string, value?: unknown): KafkaClientError {
  return new KafkaClientError('KAFKA_CONFIG_INVALID', `${option}: ${problem}`, {
    details: { option, value },
  });
}
