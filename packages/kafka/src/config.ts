import { invalidOption } from './errors.ts';
import { type ClientSecurity, clientSecurity } from './security.ts';

/** Bootstrap address used when `KAFKA_BOOTSTRAP_SERVERS` is not set: the broker of `npm run infra -- up`. */
export const DEFAULT_BOOTSTRAP_SERVERS: readonly string[] = ['127.0.0.1:9092'];

/** Options every client shares. */
export interface ClientOptions {
  /** `host:port` of one or more brokers, as an array or a comma-separated string. */
  bootstrapServers: string | readonly string[];
  /** Name the broker logs and quotas see. Defaults to `outflow`. */
  clientId?: string;
  /** Request timeout in milliseconds (default 5000). */
  requestTimeoutMs?: number;
  /** How many times a failed request is retried before giving up (default 3). */
  retries?: number;
  /**
   * Kafka client security properties with Kafka's names: `security.protocol`, `sasl.mechanism`,
   * `sasl.jaas.config`, `ssl.truststore.*`, `ssl.keystore.*`, `ssl.endpoint.identification.algorithm`.
   * Default: PLAINTEXT.
   */
  clientProperties?: Readonly<Record<string, string>>;
}

const hostPort = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Parses and checks a bootstrap list (`host:port`, comma-separated or an array). Throws
 * `KAFKA_CONFIG_INVALID` naming `option` for an empty list or a malformed entry.
 */
export function parseBootstrapServers(
  value: string | readonly string[],
  option = 'bootstrapServers',
): string[] {
  const entries = (typeof value === 'string' ? value.split(',') : [...value])
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.length === 0) throw invalidOption(option, 'expected at least one host:port', value);
  for (const entry of entries) {
    const port = Number(hostPort.exec(entry)?.[2]);
    if (!(port >= 1 && port <= 65535)) {
      throw invalidOption(option, `"${entry}" is not host:port with a port from 1 to 65535`, value);
    }
  }
  return entries;
}

/**
 * The bootstrap servers from `KAFKA_BOOTSTRAP_SERVERS` (comma-separated `host:port`), or `127.0.0.1:9092`
 * when it is unset or empty. A malformed value throws `KAFKA_CONFIG_INVALID` naming the variable.
 */
export function bootstrapFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env.KAFKA_BOOTSTRAP_SERVERS?.trim();
  if (raw === undefined || raw === '') return [...DEFAULT_BOOTSTRAP_SERVERS];
  return parseBootstrapServers(raw, 'KAFKA_BOOTSTRAP_SERVERS');
}

/** Checks that `value` (when given) is an integer within bounds, naming `option` otherwise. */
export function checkInteger(option: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(option, `expected an integer from ${min} to ${max}`, value);
  }
}

/** Checks that a string option (when given) is non-empty, naming `option` otherwise. */
export function checkName(option: string, value: string | undefined): void {
  if (value !== undefined && value.trim() === '') throw invalidOption(option, 'must not be empty', value);
}

/** The options of @platformatic/kafka's base client, built from ours. */
export function baseOptions(options: ClientOptions): {
  clientId: string;
  bootstrapBrokers: string[];
  timeout?: number;
  retries?: number;
} & ClientSecurity {
  checkName('clientId', options.clientId);
  checkInteger('requestTimeoutMs', options.requestTimeoutMs, 1, 600_000);
  checkInteger('retries', options.retries, 0, 1000);
  return {
    clientId: options.clientId ?? 'outflow',
    bootstrapBrokers: parseBootstrapServers(options.bootstrapServers),
    ...(options.requestTimeoutMs === undefined ? {} : { timeout: options.requestTimeoutMs }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.clientProperties === undefined ? {} : clientSecurity(options.clientProperties)),
  };
}
