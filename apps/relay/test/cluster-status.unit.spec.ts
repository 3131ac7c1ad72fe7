import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { registerConnectorControlRoutes } from '../src/rest/routes/connector-control.ts';
import { registerConnectorRoutes } from '../src/rest/routes/connectors.ts';
import { statusReader } from '../src/rest/routes/status-reader.ts';
import type { ConnectorStatus, Herder } from '../src/worker/herder.ts';

const OWNER = { workerId: 'b:8083', url: 'http://b:8083' };

/** What the status topic told this worker: the task on b, not reported yet. */
function fromTopic(state = 'UNASSIGNED'): ConnectorStatus {
  return {
    name: 'c',
    connector: { state: state === 'PAUSED' ? 'PAUSED' : 'RUNNING', worker_id: OWNER.workerId },
    tasks: [{ id: 0, state, worker_id: OWNER.workerId }],
    type: 'source',
  };
}

async function statusVia(
  local: ConnectorStatus,
  owner: typeof OWNER | undefined,
  answer: ConnectorStatus | undefined,
): Promise<{ body: ConnectorStatus; asked: number; task: unknown; listed: unknown }> {
  let asked = 0;
  const herder = {
    status: () => local,
    taskOwner: () => owner,
    connectors: () => ['c'],
  } as unknown as Herder;
  const statusOf = statusReader(herder, async (name, url) => {
    asked++;
    assert.equal(name, 'c');
    assert.equal(url, OWNER.url);
    return answer;
  });
  const app = Fastify();
  registerConnectorRoutes(app, herder, statusOf);
  registerConnectorControlRoutes(app, herder, statusOf);
  const body = (await app.inject({ url: '/connectors/c/status' })).json() as ConnectorStatus;
  const task = (await app.inject({ url: '/connectors/c/tasks/0/status' })).json();
  const listed = (await app.inject({ url: '/connectors?expand=status' })).json();
  await app.close();
  return { body, asked, task, listed };
}

describe('GET …/status of a task another worker runs (fakes)', () => {
  it('answers as the worker running the task reports it, on every status route', async () => {
    const running: ConnectorStatus = {
      ...fromTopic('RUNNING'),
      tasks: [{ id: 0, state: 'RUNNING', worker_id: OWNER.workerId }],
    };
    const { body, asked, task, listed } = await statusVia(fromTopic(), OWNER, running);
    assert.equal(body.tasks[0]?.state, 'RUNNING');
    assert.equal(body.tasks[0]?.worker_id, OWNER.workerId);
    assert.deepEqual(task, { id: 0, state: 'RUNNING', worker_id: OWNER.workerId });
    assert.deepEqual((listed as { c: { status: ConnectorStatus } }).c.status, body);
    assert.equal(asked, 3);
  });

  it("keeps the status topic's answer when the owner cannot answer or does not know it runs the task", async () => {
    assert.equal((await statusVia(fromTopic(), OWNER, undefined)).body.tasks[0]?.state, 'UNASSIGNED');
    const elsewhere: ConnectorStatus = {
      ...fromTopic('RUNNING'),
      tasks: [{ id: 0, state: 'RUNNING', worker_id: 'c:8083' }],
    };
    assert.equal((await statusVia(fromTopic(), OWNER, elsewhere)).body.tasks[0]?.worker_id, OWNER.workerId);
    assert.equal((await statusVia(fromTopic(), OWNER, elsewhere)).body.tasks[0]?.state, 'UNASSIGNED');
  });

  it('asks nobody when this worker runs the task or has just paused it', async () => {
    const running: ConnectorStatus = { ...fromTopic('RUNNING') };
    const here = await statusVia(running, undefined, fromTopic('FAILED'));
    assert.equal(here.asked, 0);
    assert.equal(here.body.tasks[0]?.state, 'RUNNING');
    const paused = await statusVia(fromTopic('PAUSED'), OWNER, fromTopic('RUNNING'));
    assert.equal(paused.asked, 0);
    assert.equal(paused.body.tasks[0]?.state, 'PAUSED');
  });
});
