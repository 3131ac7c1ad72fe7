import assert from 'node:assert/strict';
import { type Outboxable, OutboxError, type SqlExecutor } from '../src/index.ts';

/** An executor that records every statement instead of running it. */
export class RecordingExecutor implements SqlExecutor {
  readonly calls: { sql: string; values: unknown[] }[] = [];
  failOn: RegExp | undefined;
  failWith: unknown = new Error('boom');

  async query(sql: string, values: unknown[] = []): Promise<unknown> {
    this.calls.push({ sql, values });
    if (this.failOn?.test(sql)) throw this.failWith;
    return [];
  }
}

export const ID1 = '33319dbb-358c-4f06-8e60-c82b81eab769';
export const ID2 = '5b0f6a1e-2f0b-4d9e-8a52-0c8d2b7e9f10';
export const COURSE = 'bc32dd3f-2334-43d9-9493-71b538510efe';

/** A valid event like the seed's CoursePostedEvent, with `overrides` applied. */
export function event(overrides: Partial<Outboxable> = {}): Outboxable {
  return {
    id: ID1,
    aggregateType: 'Course',
    aggregateId: COURSE,
    type: 'CoursePostedEvent',
    payload: { name: 'MSA 파헤치기', posted: true },
    ...overrides,
  };
}

/** Asserts `fn` rejects with an OutboxError of `code` and that `executor` received no statement. */
export async function rejectsBeforeSql(
  executor: RecordingExecutor,
  fn: () => Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<OutboxError> {
  let caught: unknown;
  await assert.rejects(fn(), (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof OutboxError, `expected an OutboxError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.retriable, false);
  if (message) assert.match(caught.message, message);
  assert.deepEqual(executor.calls, [], 'no SQL may be sent when validation fails');
  return caught;
}
