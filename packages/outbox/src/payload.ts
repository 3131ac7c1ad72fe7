import { OutboxPayloadError } from './errors.ts';

/** Which event a payload belongs to, for error messages. */
export interface PayloadOwner {
  readonly type: string;
  readonly aggregateId: string;
  /** Position in the batch passed to `write`. */
  readonly index: number;
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
 * Serialises `payload` with `JSON.stringify` and checks its UTF-8 byte length against `limit`.
 *
 * Rejects what JSON cannot carry: a top-level `undefined`, function or symbol (for which `JSON.stringify` returns
 * `undefined`), and whatever makes it throw (a BigInt, a cycle, a throwing `toJSON`). Nested `undefined` and
 * functions are dropped, as `JSON.stringify` always does.
 */
export function serialisePayload(payload: unknown, owner: PayloadOwner, limit: number): SerialisedPayload {
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
