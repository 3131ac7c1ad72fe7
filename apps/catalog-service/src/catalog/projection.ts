/**
 * The projection: how Course events change the catalog. Each handler runs inside the inbox's transaction
 * (`tx`), so the inbox row and the catalog change commit together or not at all.
 */
import type { Handler, Handlers, InboxEvent, InboxLogger, SqlExecutor } from '@outflow/inbox';
import type { CatalogRepository } from './catalog-repository.ts';
import { type CourseEvents, decide, parseCoursePayload } from './course.ts';

/** The handlers of the three course event types, plus the fallback for records without a type header. */
export interface CourseProjection {
  readonly handlers: Handlers<CourseEvents>;
  /** For records whose type is unknown (the Event Router emits none by default): the payload decides. */
  readonly fallbackHandler: Handler;
}

/**
 * Builds the projection over `catalog`. A payload that is not a course throws `EVENT_PAYLOAD_INVALID` (the
 * inbox retries it, then dead-letters it).
 */
export function courseProjection(catalog: CatalogRepository, logger?: InboxLogger): CourseProjection {
  async function apply(tx: SqlExecutor, event: InboxEvent): Promise<void> {
    const incoming = parseCoursePayload(event.payload);
    const current = await catalog.find(tx, incoming.courseId, { forUpdate: true });
    const decision = decide(current, event.type, incoming);
    if (decision.action === 'ignore') {
      logger?.debug(
        { eventId: event.id, courseId: incoming.courseId, reason: decision.reason },
        'catalog: event ignored',
      );
      return;
    }
    await catalog.save(tx, decision.course, current !== undefined);
  }
  return {
    handlers: { CourseCreatedEvent: apply, CoursePostedEvent: apply, CourseUnpostedEvent: apply },
    fallbackHandler: apply,
  };
}
