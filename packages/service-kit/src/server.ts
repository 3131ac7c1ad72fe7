/**
 * Start-up and shutdown steps every service takes: prepare its database, listen, close once, and the
 * `main()` of a service run as a program (configuration errors exit 2, start-up failures exit 1, SIGINT/SIGTERM
 * shut down cleanly within 10 s).
 */
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { ConfigError, type LogLevel, redactUrl } from './config.ts';
import { ensureDatabaseExists } from './db/connect.ts';
import { loggableError } from './errors.ts';
import { startTracing } from './tracing.ts';

/**
 * Creates the database named in `url` if it is missing (see `ensureDatabaseExists`).
 *
 * @throws {ConfigError} for an unknown scheme; otherwise an `Error` naming the database (password hidden) and
 *   the driver's reason, with the driver's error as `cause`.
 */
export async function prepareDatabase(url: string): Promise<void> {
  try {
    await ensureDatabaseExists(url);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = (error as { code?: unknown }).code ?? (error as Error).message;
    throw new Error(`cannot reach or create the database at ${redactUrl(url)}: ${String(reason)}`, {
      cause: error,
    });
  }
}

/** Makes `app` listen on `host:port` (port 0 picks a free one) and returns its base URL, `http://host:port`. */
export async function listen(app: FastifyInstance, where: { port: number; host: string }): Promise<string> {
  await app.listen({ port: where.port, host: where.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : where.port;
  const host = where.host.includes(':') ? `[${where.host}]` : where.host;
  return `http://${host}:${port}`;
}

/** `close` made idempotent: the first call runs it, every call returns the same promise. */
export function closeOnce(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}

/** A running service as {@link runService} sees it. */
export interface RunningService {
  /** Base URL it listens on. */
  readonly url: string;
  /** Stops it; idempotent. */
  close(): Promise<void>;
}

/** What {@link runService} runs. */
export interface RunServiceOptions<C extends { readonly logLevel: LogLevel }> {
  /** Program name for log lines and error messages: `course-service`. */
  readonly name: string;
  /** How the banner names it: `course service` (`course service listening on …`). */
  readonly title: string;
  /** Reads the configuration; a `ConfigError` (or any error) exits 2 with its message. */
  readonly loadConfig: () => C;
  /** Starts the service with this configuration and logger; an error exits 1. */
  readonly start: (config: C, logger: Logger) => Promise<RunningService>;
  /** Lines after `API docs:` in the banner, as `[label, text]`: `['try:', 'curl …']`. */
  readonly hints: (url: string) => readonly (readonly [string, string])[];
}

/**
 * The `main()` of a service: load the configuration (exit 2 on error), start (exit 1 on error, logged and
 * printed), print the URL, the API docs and the hints, and shut down on SIGINT/SIGTERM (exit 0, or 1 if the
 * shutdown fails or takes longer than 10 s).
 */
export async function runService<C extends { readonly logLevel: LogLevel }>(
  options: RunServiceOptions<C>,
): Promise<void> {
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    console.error(`${options.name}: ${(error as Error).message}`);
    process.exit(2);
  }
  const logger = pino({ name: options.name, level: config.logLevel });
  let service: RunningService;
  let stopTracing: () => Promise<void> = async () => {};
  try {
    stopTracing = await startTracing(options.name);
    service = await options.start(config, logger);
  } catch (error) {
    logger.fatal({ err: loggableError(error) }, 'start-up failed');
    console.error(`${options.name}: ${(error as Error).message}`);
    process.exit(1);
  }
  // performance.now() counts from process start.
  const startupMs = Math.round(performance.now());
  logger.info({ url: service.url, startupMs }, `${options.title} listening`);
  const lines = [
    `\n${options.title} listening on ${service.url} (started in ${startupMs} ms)`,
    ...[['API docs:', `${service.url}/docs`] as const, ...options.hints(service.url)].map(
      ([label, text]) => `  ${label.padEnd(10)}${text}`,
    ),
  ];
  lines[lines.length - 1] += '\n';
  for (const line of lines) console.log(line);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s, exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    service
      .close()
      .then(stopTracing)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: loggableError(error) }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
