/**
 * The whole system of the original design, on the real MariaDB and Kafka: the course service writes its
 * events through the outbox, the relay publishes them with the Outbox Event Router, and the catalog service
 * keeps its read model through the inbox. Create, post, unpost and update a course → the catalog follows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueName } from '@outflow/testing';
import { startWholeFlow, type WholeFlow } from '../support/whole-flow.ts';

const TEACHER = '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd';
const prefix = uniqueName('system');

let flow: WholeFlow;

before(async () => {
  flow = await startWholeFlow(prefix);
});

after(async () => {
  await flow?.close();
});

/** Polls the catalog until `accept` holds; returns how long it took (ms). */
async function catalogReaches(
  courseId: string,
  accept: (status: number, body: Record<string, unknown>) => boolean,
): Promise<number> {
  const began = Date.now();
  let last = '';
  while (Date.now() - began < 15_000) {
    const res = await fetch(`${flow.catalog.url}/catalog/courses/${courseId}`);
    const body = (await res.json()) as Record<string, unknown>;
    last = `${res.status} ${JSON.stringify(body)}`;
    if (accept(res.status, body)) return Date.now() - began;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the catalog did not follow within 15 s; last answer ${last}`);
}

async function course(method: 'POST' | 'GET', url: string, payload?: object) {
  const res = await flow.courses.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

describe('course service → relay → catalog service', () => {
  it('a posted course appears in the catalog, an unposted one leaves it', async (t) => {
    const { courseId } = await course('POST', '/courses', {
      name: 'MSA 파헤치기',
      description: 'MSA의 모든 것을 가르쳐 드립니다.',
      teacherId: TEACHER,
      thumbnail: 'msa_course.jpeg',
    });
    await course('POST', `/courses/${courseId}/post`);
    const appeared = await catalogReaches(courseId, (status) => status === 200);
    const listed = (await (await fetch(`${flow.catalog.url}/catalog/courses`)).json()) as {
      items: { courseId: string }[];
    };
    assert.ok(listed.items.some((c) => c.courseId === courseId));
    const shown = (await (await fetch(`${flow.catalog.url}/catalog/courses/${courseId}`)).json()) as Record<
      string,
      unknown
    >;
    const source = await course('GET', `/courses/${courseId}`);
    assert.equal(shown.name, source.name);
    assert.equal(shown.teacherId, source.teacherId);

    await course('POST', `/courses/${courseId}/unpost`);
    const left = await catalogReaches(courseId, (status) => status === 404);
    const after = (await (await fetch(`${flow.catalog.url}/catalog/courses`)).json()) as {
      items: { courseId: string }[];
    };
    assert.ok(!after.items.some((c) => c.courseId === courseId));
    t.diagnostic(`catalog followed the post in ${appeared} ms and the unpost in ${left} ms`);

    const stats = flow.catalog.consumer.stats();
    t.diagnostic(`inbox: ${JSON.stringify(stats)}`);
  });

  it('many post/unpost toggles of one course end in the state of the last one', async () => {
    const { courseId } = await course('POST', '/courses', {
      name: 'toggle',
      description: 'd',
      teacherId: TEACHER,
      thumbnail: 't',
    });
    for (let i = 0; i < 20; i++) {
      await course('POST', `/courses/${courseId}/${i % 2 === 0 ? 'post' : 'unpost'}`);
    }
    await course('POST', `/courses/${courseId}/post`);
    await catalogReaches(courseId, (status) => status === 200);
    const source = await course('GET', `/courses/${courseId}`);
    await catalogReaches(
      courseId,
      (status, body) => status === 200 && body.lastUpdatedAt === source.lastUpdatedAt,
    );
  });
});
