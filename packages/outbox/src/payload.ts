import { OutboxPayloadError } from './errors.ts';

/** Which event a payload belongs to, for error messages. */
export interface PayloadOwner {
  readonly type: string;
  readonly aggregateId: string;
  /** Position in the batch passed to `write`. */
  readonly index: number;
}

/** What the target database accepts in a JSON value. */
export interface PayloadRules {
  /** Largest JSON text, in UTF-8 bytes. */
  readonly limit: number;
  /** Whether a `\u0000` escape may appear (PostgreSQL `jsonb` rejects it). */
  readonly allowNul: boolean;
}

/**
 * An escape `JSON.stringify` writes only for a lone UTF-16 surrogate (paired ones are written as is), preceded by
 * an even number of backslashes so that an escaped backslash followed by `ud800` text does not count.
 */
const LONE_SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/;
/** The escape `JSON.stringify` writes for U+0000. */
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

/** Where in a payload a bad string is: its JSON Pointer (RFC 6901, `""` for the payload itself) and a phrase. */
interface Location {
  readonly path: string;
  readonly what: string;
}

/**
 * Finds the first string (value or property name, in document order) of the JSON text `json` for which `bad`
 * holds. Reads the text back rather than the caller's value, so `toJSON` results count and dropped `undefined`s
 * do not. Iterative: no nesting depth overflows the stack. Called only once the text is known to hold one.
 */
function locate(json: string, bad: (text: string) => boolean): Location {
  // A stack in reverse document order; a property name is stacked just before its value.
  const pending: { value: unknown; path: string; key?: string }[] = [{ value: JSON.parse(json), path: '' }];
  while (pending.length > 0) {
    const { value, path, key } = pending.pop() as (typeof pending)[number];
    if (key !== undefined) {
      if (bad(key)) return { path, what: `the property name at ${path}` };
    } else if (typeof value === 'string') {
      if (bad(value)) return { path, what: path === '' ? 'the payload string' : `the string at ${path}` };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], path: `${path}/${i}` });
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [name, child] = entries[i] as [string, unknown];
        const at = `${path}/${escapePointer(name)}`;
        pending.push({ value: child, path: at }, { value: undefined, path: at, key: name });
      }
    }
  }
  return { path: '', what: 'a string' };
}

/** A property name as one JSON Pointer segment (`~` → `~0`, `/` → `~1`). */
function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** A payload serialised to the JSON text that is stored, with its UTF-8 size. */
export interface SerialisedPayload {
  readonly json: string;
  readonly bytes: number;
}

function label(owner: PayloadOwner): string {
  return `event ${owner.index} (type ${JSON.stringify(owner.type)}, aggregateId ${JSON.stringify(owner.aggregateId)})`;
}

/**
 * Serialises `payload` with `JSON.stringify` and checks its UTF-8 byte length against `rules.limit`.
 *
 * Rejects what JSON cannot carry: a top-level `undefined`, function or symbol (for which `JSON.stringify` returns
 * `undefined`), and whatever makes it throw (a BigInt, a cycle, a throwing `toJSON`). Nested `undefined` and
 * functions are dropped, as `JSON.stringify` always does. Also rejects, before the database would, strings with a
 * lone surrogate (invalid Unicode: MySQL, MariaDB and PostgreSQL all refuse it as JSON) and, unless
 * `rules.allowNul`, the character U+0000; `details.path` is the JSON Pointer of the first such string (or
 * property name) in the payload, `details.reason` `lone-surrogate` or `nul`.
 */
export function serialisePayload(
  payload: unknown,
  owner: PayloadOwner,
  rules: PayloadRules,
): SerialisedPayload {
  const { limit } = rules;
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OutboxPayloadError(
      'OUTBOX_PAYLOAD_NOT_JSON',
      `Outbox ${label(owner)}: payload is not serialisable to JSON: ${reason}`,
      { details: { ...owner }, cause: error },
    );
  }
  if (json === undefined) {
    throw new OutboxPayloadError(
      'OUTBOX_PAYLOAD_NOT_JSON',
      `Outbox ${label(owner)}: payload is not serialisable to JSON: JSON.stringify returned undefined for a ${typeof payload}`,
      { details: { ...owner, payloadType: typeof payload } },
    );
  }
  if (LONE_SURROGATE_ESCAPE.test(json)) {
    const at = locate(json, (text) => !text.isWellFormed());
    throw new OutboxPayloadError(
      'OUTBOX_PAYLOAD_NOT_JSON',
      `Outbox ${label(owner)}: payload is not valid JSON for the database: ${at.what} holds a lone UTF-16 surrogate`,
      { details: { ...owner, reason: 'lone-surrogate', path: at.path } },
    );
  }
  if (!rules.allowNul && NUL_ESCAPE.test(json)) {
    const at = locate(json, (text) => text.includes('\0'));
    throw new OutboxPayloadError(
      'OUTBOX_PAYLOAD_NOT_JSON',
      `Outbox ${label(owner)}: payload is not valid JSON for the database: ${at.what} holds U+0000, which PostgreSQL jsonb cannot store`,
      { details: { ...owner, reason: 'nul', path: at.path } },
    );
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > limit) {
    throw new OutboxPayloadError(
      'OUTBOX_PAYLOAD_TOO_LARGE',
      `Outbox ${label(owner)}: payload is ${bytes} bytes of JSON (UTF-8), over the limit of ${limit} bytes (maxPayloadBytes)`,
      { details: { ...owner, bytes, limit } },
    );
  }
  return { json, bytes };
}
