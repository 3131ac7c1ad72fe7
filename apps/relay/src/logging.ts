import { type Logger as PinoLogger, pino } from 'pino';
import type { SecretScrubber } from './secrets.ts';

/**
 * The relay's structured logger: pino JSON lines with `level` as a label, written through the secret
 * scrubber (so a password in any log line, even inside a library's error, comes out as `********`), with
 * `redact` as a second net for configuration maps logged by mistake.
 */
export function createRelayLogger(options: {
  level: string;
  /** Absent in a task thread, whose lines the main thread scrubs. */
  scrubber?: SecretScrubber;
  destination?: NodeJS.WritableStream;
}): PinoLogger {
  return pino(
    {
      level: options.level,
      base: { service: 'outflow-relay' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'config["database.password"]',
          'config["schema.history.internal.kafka.sasl.jaas.config"]',
          'body.config["database.password"]',
          'body["database.password"]',
        ],
        censor: '********',
      },
    },
    options.scrubber === undefined
      ? (options.destination ?? process.stdout)
      : options.scrubber.stream(options.destination ?? process.stdout),
  );
}
