import { randomUUID } from 'node:crypto';
import { describeValue, OutboxError } from './errors.ts';
import { serialisePayload } from './payload.ts';
import type { Outboxable, OutboxDialect, WrittenEvent } from './types.ts';

/** RFC 9562 textual UUID (any version), case-insensitive. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Characters allowed in `aggregateType`. It becomes part of a Kafka topic name (`outbox.event.<aggregateType>`
 * with the router's defaults) and Kafka accepts only these; a bad row would otherwise stall the relay.
 */
const TOPIC_SAFE = /^[A-Za-z0-9._-]+$/;

/** Length of the `VARCHAR(255)` columns, in characters. */
const MAX_TEXT_LENGTH = 255;

type TextField = 'aggregateType' | 'aggregateId' | 'type';

function invalid(index: number, field: string, value: unknown, reason: string): OutboxError {
  return new OutboxError(
    'OUTBOX_EVENT_INVALID',
    `Outbox event ${index}: "${field}" ${reason} (got ${describeValue(value)})`,
    { details: { index, field, value: describeValue(value) } },
  );
}

function checkText(event: Outboxable, field: TextField, index: number): string {
  const value: unknown = event[field];
  if (typeof value !== 'string') throw invalid(index, field, value, 'must be a string');
  if (value.trim() === '') throw invalid(index, field, value, 'must not be empty');
  if (value.includes('\0') || !value.isWellFormed()) {
    throw invalid(index, field, value, 'must be valid Unicode text without U+0000');
  }
  if ([...value].length > MAX_TEXT_LENGTH) {
    throw invalid(index, field, value, `must be at most ${MAX_TEXT_LENGTH} characters`);
  }
  return value;
}

/**
 * Validates every event and serialises its payload, without any I/O. Throws on the first bad event, naming it;
 * duplicate ids within the batch are rejected too (they would violate the primary key mid-transaction).
 */
export function prepareEvents(
  events: readonly Outboxable[],
  maxPayloadBytes: number,
  dialect: OutboxDialect,
): WrittenEvent[] {
  const rules = { limit: maxPayloadBytes, allowNul: dialect !== 'postgres' };
  const ids = new Set<string>();
  return events.map((event, index) => {
    if (typeof event !== 'object' || event === null) {
      throw invalid(
        index,
        'event',
        event,
        'must be an object with aggregateType, aggregateId, type and payload',
      );
    }
    const aggregateType = checkText(event, 'aggregateType', index);
    if (!TOPIC_SAFE.test(aggregateType)) {
      throw invalid(
        index,
        'aggregateType',
        aggregateType,
        'may contain only letters, digits, ".", "_" and "-"',
      );
    }
    const aggregateId = checkText(event, 'aggregateId', index);
    const type = checkText(event, 'type', index);
    let id: string;
    if (event.id === undefined) {
      id = randomUUID();
    } else if (typeof event.id === 'string' && UUID.test(event.id)) {
      id = event.id.toLowerCase();
    } else {
      throw invalid(index, 'id', event.id, 'must be a UUID such as 3f1c2a9e-7b4d-4c1a-9e8f-0a1b2c3d4e5f');
    }
    if (ids.has(id)) throw invalid(index, 'id', id, 'appears twice in the batch');
    ids.add(id);
    const { json } = serialisePayload(event.payload, { type, aggregateId, index }, rules);
    return { id, aggregateType, aggregateId, type, payload: json };
  });
}
