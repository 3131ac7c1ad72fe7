import { Writable } from 'node:stream';
import { isSecretProperty, SECRET_MASK, type SourceConnectorPlugin } from '@outflow/relay-core';

/** True when `name` holds a secret: by its name, or declared as a `password` by the connector plugin. */
export function isSecret(name: string, plugin?: SourceConnectorPlugin): boolean {
  return isSecretProperty(name) || plugin?.configDef.keys.get(name)?.type === 'password';
}

/** A copy of a connector configuration with every secret value replaced by `********`. */
export function maskConfig(
  config: Readonly<Record<string, string>>,
  plugin?: SourceConnectorPlugin,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) out[k] = isSecret(k, plugin) ? SECRET_MASK : v;
  return out;
}

/** `"key": "value"` in JSON (the key group is checked by name). */
const JSON_PAIR = /"((?:[^"\\]|\\.)*)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
/**
 * `key=value` in text (a JAAS line, a properties dump, a query string), the value quoted (also with
 * JSON-escaped quotes, inside a log line's message) or bare. The key starts where a word starts and is
 * bounded, like the URL's scheme below: otherwise every position of a long word (a 9 MB property value in
 * an error message) would rescan the rest of it, and masking one log line would take minutes.
 */
const ASSIGNMENT =
  /(?<![\w.-])([\w.-]{1,255})(\s*=\s*)(\\"(?:[^"\\]|\\[^"])*\\"|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&"\\})\]]+)/g;
/** `scheme://user:password@host`. */
const URL_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/[^/\s:@"]{1,255}:)([^@\s/"]{1,1024})(@)/gi;

/**
 * Masks secrets in text by the keys that hold them, never by searching for values: a JSON member or a
 * `key=value` assignment whose key names a secret (`database.password`, `password` in a JAAS line,
 * `sasl.jaas.config`, …), and the password of a URL. A user name that equals some password, or a path
 * that contains one, is left alone.
 */
export function maskSecretText(text: string): string {
  return text
    .replace(JSON_PAIR, (whole, key: string, sep: string) =>
      isSecretProperty(key) ? `"${key}"${sep}"${SECRET_MASK}"` : whole,
    )
    .replace(ASSIGNMENT, (whole, key: string, sep: string, value: string) => {
      if (!isSecretProperty(key)) return whole;
      const quote = value.startsWith('\\"')
        ? '\\"'
        : value.startsWith('"')
          ? '"'
          : value.startsWith("'")
            ? "'"
            : '';
      return `${key}${sep}${quote}${SECRET_MASK}${quote}`;
    })
    .replace(
      URL_PASSWORD,
      (_whole, before: string, _password: string, at: string) => `${before}${SECRET_MASK}${at}`,
    );
}

/**
 * Masks secrets in everything that leaves the process as text (log lines, task traces), by key: see
 * {@link maskSecretText}.
 */
export class SecretScrubber {
  /** `text` with every secret-named value masked. */
  scrub(text: string): string {
    return maskSecretText(text);
  }

  /** A stream that masks each chunk (pino writes one JSON line per write) before passing it on. */
  stream(destination: NodeJS.WritableStream): Writable {
    return new Writable({
      write: (chunk: Buffer | string, _encoding, callback) => {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        destination.write(this.scrub(text), callback);
      },
    });
  }
}
