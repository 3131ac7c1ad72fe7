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

/** Secrets at least this long are masked wherever they appear, even inside a longer word. */
const SUBSTRING_MIN_LENGTH = 8;

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/**
 * True when the character at `at` continues the word a short secret sits in (then the secret is part of
 * other text: `outflow-relay`, `outflow.events`); `.` and `-` only when a word character follows them
 * (`step` is -1 looking back, 1 looking ahead), so a sentence's final dot still ends the word.
 */
function continuesWord(text: string, at: number, step: -1 | 1): boolean {
  const c = text[at];
  if (c === undefined) return false;
  if (WORD_CHAR.test(c)) return true;
  if (c !== '.' && c !== '-') return false;
  const beyond = text[at + step];
  return beyond !== undefined && WORD_CHAR.test(beyond);
}

/**
 * The secret values the relay holds, so that any text leaving the process (log lines, task traces) can be
 * scrubbed of them even when a library puts one in an error message. Values shorter than 3 characters are
 * not scrubbed: they would mangle ordinary text and protect nothing.
 *
 * A secret of 8 characters or more is masked wherever it appears. A shorter one only where it stands alone
 * (a whole JSON string, a word, the password of `mysql://user:secret@host`), so that a password such as
 * `outflow` does not turn `outflow-relay` into `********-relay`. A JSON value under a non-secret key of a
 * known configuration that holds that very value (`"database.user":"outflow"`) is public configuration and
 * is left alone.
 */
export class SecretScrubber {
  readonly #values = new Set<string>();
  /** Non-secret properties of the known configurations: key → the values configured for it. */
  readonly #public = new Map<string, Set<string>>();

  /** Remembers the secret values of a configuration. */
  addConfig(config: Readonly<Record<string, string>>, plugin?: SourceConnectorPlugin): void {
    for (const [k, v] of Object.entries(config)) {
      if (isSecret(k, plugin)) {
        if (v.length >= 3) this.#values.add(v);
      } else {
        const values = this.#public.get(k) ?? new Set<string>();
        values.add(v);
        this.#public.set(k, values);
      }
    }
  }

  /** `text` with every known secret replaced by the mask; also catches their JSON-escaped spelling. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#values) {
      out = this.#replace(out, secret);
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) out = this.#replace(out, escaped);
    }
    return out;
  }

  #replace(text: string, secret: string): string {
    if (secret.length >= SUBSTRING_MIN_LENGTH) return text.split(secret).join(SECRET_MASK);
    let out = '';
    let from = 0;
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + secret.length)) {
      const standsAlone = !continuesWord(text, at - 1, -1) && !continuesWord(text, at + secret.length, 1);
      if (!standsAlone || this.#isPublicValue(text, at, secret)) continue;
      out += text.slice(from, at) + SECRET_MASK;
      from = at + secret.length;
    }
    return out + text.slice(from);
  }

  /** True when `text` holds `"key":"<secret>"` at `at` for a non-secret key configured to that value. */
  #isPublicValue(text: string, at: number, secret: string): boolean {
    if (text[at - 1] !== '"' || text[at + secret.length] !== '"') return false;
    const key = /"((?:[^"\\]|\\.)+)"\s*:\s*"$/.exec(text.slice(Math.max(0, at - 256), at))?.[1];
    return key !== undefined && this.#public.get(key)?.has(secret) === true;
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
