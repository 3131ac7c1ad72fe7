import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assign,
  decodeJson,
  encodeJson,
  type JoinedMember,
  type WorkerAssignment,
  type WorkerMetadata,
} from '../src/cluster/assignment.ts';

const TOPIC = 'outflow-configs';

function member(id: string, owned: string[] = [], configTopic = TOPIC): JoinedMember {
  return { memberId: id, metadata: { workerId: `${id}:8083`, url: `http://${id}:8083`, configTopic, owned } };
}

function run(
  members: JoinedMember[],
  connectors: string[],
  held?: Set<string>,
): Map<string, WorkerAssignment> {
  return assign({
    leaderId: members[0]!.memberId,
    members,
    connectors,
    configTopic: TOPIC,
    ...(held ? { held } : {}),
  });
}

const assigned = (result: Map<string, WorkerAssignment>) =>
  Object.fromEntries([...result].map(([id, a]) => [id, a.assigned]));
const revoked = (result: Map<string, WorkerAssignment>) =>
  Object.fromEntries([...result].map(([id, a]) => [id, a.revoked]));

describe('relay cluster assignment (incremental cooperative)', () => {
  it('spreads new connectors evenly over the workers', () => {
    const result = run([member('a'), member('b'), member('c')], ['c1', 'c2', 'c3', 'c4', 'c5']);
    const counts = [...result.values()].map((a) => a.assigned.length).sort();
    assert.deepEqual(counts, [1, 2, 2]);
    const all = [...result.values()].flatMap((a) => a.assigned).sort();
    assert.deepEqual(all, ['c1', 'c2', 'c3', 'c4', 'c5'], 'each connector on exactly one worker');
  });

  it('keeps what a worker runs, and revokes only the surplus when a worker joins (assigned next round)', () => {
    const first = run([member('a', ['c1', 'c2', 'c3', 'c4']), member('b')], ['c1', 'c2', 'c3', 'c4']);
    assert.deepEqual(assigned(first), { a: ['c1', 'c2'], b: [] });
    assert.deepEqual(revoked(first), { a: ['c3', 'c4'], b: [] });
    // Worker a stopped c3 and c4 and rejoined: now they are free and go to b.
    const second = run([member('a', ['c1', 'c2']), member('b')], ['c1', 'c2', 'c3', 'c4']);
    assert.deepEqual(assigned(second), { a: ['c1', 'c2'], b: ['c3', 'c4'] });
    assert.deepEqual(revoked(second), { a: [], b: [] });
  });

  it("gives a departed worker's connectors to the others at once, or holds them while it may return", () => {
    const now = run([member('a', ['c1']), member('c', ['c3'])], ['c1', 'c2', 'c3']);
    assert.deepEqual(
      [...now.values()].flatMap((a) => a.assigned).sort(),
      ['c1', 'c2', 'c3'],
      'c2 (its worker left) is taken',
    );
    const held = run([member('a', ['c1']), member('c', ['c3'])], ['c1', 'c2', 'c3'], new Set(['c2']));
    assert.deepEqual(assigned(held), { a: ['c1'], c: ['c3'] });
  });

  it('revokes deleted connectors and a second claim of one connector', () => {
    const result = run([member('a', ['gone', 'x']), member('b', ['x'])], ['x']);
    assert.deepEqual(revoked(result), { a: ['gone'], b: ['x'] });
    assert.deepEqual(assigned(result), { a: ['x'], b: [] });
  });

  it('refuses a worker whose config topic differs, naming both topics, and assigns it nothing', () => {
    const result = run([member('a'), member('b', [], 'other-configs')], ['c1', 'c2']);
    assert.deepEqual(result.get('a')!.assigned, ['c1', 'c2']);
    assert.deepEqual(result.get('b')!.assigned, []);
    assert.match(result.get('b')!.error!, /"other-configs" is not the cluster's "outflow-configs"/);
    assert.equal(result.get('a')!.error, null);
  });

  it('tells every worker the leader and the whole assignment', () => {
    const result = run([member('a'), member('b')], ['c1', 'c2']);
    for (const a of result.values()) {
      assert.equal(a.leaderUrl, 'http://a:8083');
      assert.deepEqual(
        a.members.map((m) => [m.workerId, m.connectors]),
        [
          ['a:8083', ['c1']],
          ['b:8083', ['c2']],
        ],
      );
    }
  });

  it('encodes with a version, and reads nothing from bytes of another protocol', () => {
    const metadata: WorkerMetadata = { workerId: 'w', url: 'http://w', configTopic: TOPIC, owned: ['c'] };
    assert.deepEqual(decodeJson<WorkerMetadata>(encodeJson(metadata)), { version: 1, ...metadata });
    assert.equal(decodeJson(Buffer.from([0, 1, 0, 0])), undefined);
    assert.equal(decodeJson(Buffer.from('{"version":2}')), undefined);
  });
});
