/** Stable error codes of `@outflow/infra`. Check errors by `code`, never by message. */
export type InfraErrorCode =
  | 'INFRA_CONFIG_INVALID'
  | 'INFRA_PREREQUISITE_MISSING'
  | 'INFRA_PORT_IN_USE'
  | 'INFRA_START_FAILED'
  | 'INFRA_START_TIMEOUT'
  | 'INFRA_UP_FAILED';

/** Base error of `@outflow/infra`: a stable `code`, structured `details`, and whether retrying may help. */
export class InfraError extends Error {
  readonly code: InfraErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly retriable: boolean;

  constructor(
    code: InfraErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InfraError';
    this.code = code;
    this.details = options.details ?? {};
    this.retriable = options.retriable ?? false;
  }
}

/** A program the project needs is not installed; the message says which Debian package provides it. */
export function missing(program: string, aptPackage: string): InfraError {
  return new InfraError(
    'INFRA_PREREQUISITE_MISSING',
    `${program} not found; install it with: apt-get install -y ${aptPackage}`,
    { details: { program, aptPackage } },
  );
}
