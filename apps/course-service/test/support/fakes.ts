import type { Outbox, Outboxable, WrittenEvent } from '@outflow/outbox';
import type { Course } from '../../src/courses/course.ts';
import type { CourseRepository } from '../../src/courses/course-repository.ts';
import type { Database, Transaction } from '../../src/db/database.ts';

/** A transaction handle for fakes; the fakes never call it. */
export const fakeTx: Transaction = {
  query: async () => {
    throw new Error('the fakes do not run SQL');
  },
};

/** Courses in a Map, with the calls recorded. */
export class InMemoryCourseRepository implements CourseRepository {
  readonly rows = new Map<string, Course>();
  readonly calls: string[] = [];

  async find(_tx: Transaction, courseId: string, options: { forUpdate?: boolean } = {}) {
    this.calls.push(options.forUpdate ? `find-for-update ${courseId}` : `find ${courseId}`);
    return this.rows.get(courseId);
  }

  async insert(_tx: Transaction, course: Course) {
    this.calls.push(`insert ${course.courseId}`);
    if (this.rows.has(course.courseId)) throw new Error('duplicate key');
    this.rows.set(course.courseId, course);
  }

  async update(_tx: Transaction, course: Course) {
    this.calls.push(`update ${course.courseId}`);
    this.rows.set(course.courseId, course);
  }

  async list(_tx: Transaction, { offset, limit }: { offset: number; limit: number }) {
    const all = [...this.rows.values()].sort(
      (a, b) => b.registeredAt - a.registeredAt || b.courseId.localeCompare(a.courseId),
    );
    return { items: all.slice(offset, offset + limit), total: all.length };
  }
}

/** An outbox that records what it is given; `failWith` makes the next writes throw after recording. */
export class RecordingOutbox implements Pick<Outbox, 'write'> {
  readonly events: Outboxable[] = [];
  failWith: Error | undefined;

  async write(_tx: Transaction, events: Outboxable | readonly Outboxable[]): Promise<WrittenEvent[]> {
    const list = (Array.isArray(events) ? events : [events]) as Outboxable[];
    if (this.failWith) throw this.failWith;
    this.events.push(...list);
    return list.map((e) => ({ ...e, id: e.id ?? 'id', payload: JSON.stringify(e.payload) }));
  }
}

/**
 * A Database over an in-memory repository. `transaction` snapshots the rows and the outbox and restores both
 * if the callback throws, like a rollback; `failWith` makes every transaction and ping fail with that error.
 */
export class FakeDatabase implements Database {
  readonly dialect = 'mysql' as const;
  readonly courses = new InMemoryCourseRepository();
  failWith: Error | undefined;
  readonly outbox: RecordingOutbox;
  closed = false;

  constructor(outbox: RecordingOutbox = new RecordingOutbox()) {
    this.outbox = outbox;
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    if (this.failWith) throw this.failWith;
    const rows = new Map(this.courses.rows);
    const events = this.outbox.events.length;
    try {
      return await fn(fakeTx);
    } catch (error) {
      this.courses.rows.clear();
      for (const [k, v] of rows) this.courses.rows.set(k, v);
      this.outbox.events.length = events;
      throw error;
    }
  }

  async ping() {
    if (this.failWith) throw this.failWith;
  }

  async close() {
    this.closed = true;
  }
}
