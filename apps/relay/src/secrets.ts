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

/**
 * The secret values the relay holds, so that any text leaving the process (log lines, task traces) can be
 * scrubbed of them even when a library puts one in an error message. Values shorter than 3 characters are
 * not scrubbed: they would mangle ordinary text and protect nothing.
 */
export class SecretScrubber {
  readonly #values = new Set<string>();

  /** Remembers the secret values of a configuration. */
  addConfig(config: Readonly<Record<string, string>>, plugin?: SourceConnectorPlugin): void {
    for (const [k, v] of Object.entries(config))
      if (isSecret(k, plugin) && v.length >= 3) this.#values.add(v);
  }

  /** `text` with every known secret replaced by the mask; also catches their JSON-escaped spelling. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#values) {
      out = out.split(secret).join(SECRET_MASK);
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) out = out.split(escaped).join(SECRET_MASK);
    }
    return out;
  }

  /** A stream that scrubs each chunk (pino writes one JSON line per write) before passing it on. */
  stream(destination: NodeJS.WritableStream): Writable {
    return new Writable({
      write: (chunk: Buffer | string, _encoding, callback) => {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        destination.write(this.#values.size === 0 ? text : this.scrub(text), callback);
      },
    });
  }
}
