/**
 * The catalog's view of a course and the rule that keeps it in order. Pure: no I/O.
 *
 * Every Course event carries the whole course (`{courseId, …, posted, lastUpdatedAt}`), so the read model
 * only needs to know whether an incoming state is newer than the one it holds. `lastUpdatedAt` is the
 * version: an event older than the stored state is ignored, so a late or replayed event never overwrites a
 * newer one. Equal versions are applied (the course service gives two changes in the same millisecond the same
 * `lastUpdatedAt`; within a partition the later record is the later change).
 */
import { CatalogServiceError } from '../errors.ts';

/** A course as the catalog stores and serves it. Times are epoch milliseconds. */
export interface CatalogCourse {
  readonly courseId: string;
  readonly name: string;
  readonly description: string;
  readonly teacherId: string;
  readonly thumbnail: string;
  readonly posted: boolean;
  readonly registeredAt: number;
  readonly lastUpdatedAt: number;
}

/** The course service's event types (aggregate `Course`). */
export type CourseEventType = 'CourseCreatedEvent' | 'CoursePostedEvent' | 'CourseUnpostedEvent';

/** Event type → payload type, for `Handlers<CourseEvents>`. */
export type CourseEvents = {
  CourseCreatedEvent: unknown;
  CoursePostedEvent: unknown;
  CourseUnpostedEvent: unknown;
};

/** What to do with an incoming course state. */
export type Decision =
  | { readonly action: 'save'; readonly course: CatalogCourse }
  | { readonly action: 'ignore'; readonly reason: 'stale' | 'never-posted' };

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function invalid(field: string, problem: string): CatalogServiceError {
  return new CatalogServiceError('EVENT_PAYLOAD_INVALID', `course event payload: ${field} ${problem}`, {
    details: { field },
  });
}

/**
 * Checks an event payload is a course (the course service's JSON) and returns it with lower-case UUIDs.
 * Throws `EVENT_PAYLOAD_INVALID` naming the first bad field.
 */
export function parseCoursePayload(payload: unknown): CatalogCourse {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw invalid('payload', 'must be an object');
  const p = payload as Record<string, unknown>;
  for (const field of ['courseId', 'teacherId'] as const) {
    if (typeof p[field] !== 'string' || !UUID.test(p[field])) throw invalid(field, 'must be a UUID');
  }
  for (const field of ['name', 'description', 'thumbnail'] as const) {
    if (typeof p[field] !== 'string') throw invalid(field, 'must be a string');
  }
  if (typeof p.posted !== 'boolean') throw invalid('posted', 'must be a boolean');
  for (const field of ['registeredAt', 'lastUpdatedAt'] as const) {
    if (typeof p[field] !== 'number' || !Number.isSafeInteger(p[field]))
      throw invalid(field, 'must be epoch milliseconds');
  }
  return {
    courseId: (p.courseId as string).toLowerCase(),
    name: p.name as string,
    description: p.description as string,
    teacherId: (p.teacherId as string).toLowerCase(),
    thumbnail: p.thumbnail as string,
    posted: p.posted as boolean,
    registeredAt: p.registeredAt as number,
    lastUpdatedAt: p.lastUpdatedAt as number,
  };
}

/**
 * Decides what an event does to the stored course.
 *
 * - `CoursePostedEvent` / `CourseUnpostedEvent`: the state is posted / unposted, whatever the payload says.
 * - Any other or unknown type: the payload's `posted` decides (an update of a posted course updates it).
 * - Older than the stored state: ignored (`stale`).
 * - Not posted and never stored: ignored (`never-posted`), except an explicit unpost, which is stored as a
 *   marker so that an older "posted" arriving late cannot bring the course back.
 *
 * An unposted course is kept with `posted = false`: it is out of the catalog, and its `lastUpdatedAt` still
 * guards the order.
 */
export function decide(
  current: CatalogCourse | undefined,
  type: string | undefined,
  incoming: CatalogCourse,
): Decision {
  const posted =
    type === 'CoursePostedEvent' ? true : type === 'CourseUnpostedEvent' ? false : incoming.posted;
  if (current !== undefined && incoming.lastUpdatedAt < current.lastUpdatedAt)
    return { action: 'ignore', reason: 'stale' };
  if (current === undefined && !posted && type !== 'CourseUnpostedEvent')
    return { action: 'ignore', reason: 'never-posted' };
  return { action: 'save', course: { ...incoming, posted } };
}
