import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCallError, type GroupClient, type JoinedGroup } from '@outflow/kafka';
import { type Logger, silentLogger } from '@outflow/relay-core';
import { recordingLogger } from '@outflow/testing';
import { decodeJson, encodeJson, type WorkerMetadata } from '../src/cluster/assignment.ts';
import { type GroupWorker, WorkerGroup } from '../src/cluster/worker-group.ts';

/**
 * A coordinator played by the test: each JoinGroup is answered from `rounds` (the members the coordinator
 * saw, this worker being `me`); heartbeats answer what `heartbeat` says.
 */
class FakeCoordinator implements GroupClient {
  joins: { memberId: string; metadata: WorkerMetadata }[] = [];
  rounds: ((me: { memberId: string; metadata: Buffer }) => {
    members: { memberId: string; metadata: Buffer }[];
  })[] = [];
  heartbeat: () => Promise<void> = async () => {};
  generation = 0;
  /** Joins refused as if the coordinator could not be reached, before any is answered. */
  unreachableJoins = 0;
  leaves: string[] = [];
  #waiting: (() => void)[] = [];

  async join(
    memberId: string,
    protocols: readonly { name: string; metadata: Buffer }[],
  ): Promise<JoinedGroup> {
    if (this.unreachableJoins > 0) {
      this.unreachableJoins--;
      throw new GroupCallError('unreachable', 'coordinator', undefined, null);
    }
    const id = memberId === '' ? 'me' : memberId;
    this.joins.push({ memberId, metadata: decodeJson<WorkerMetadata>(protocols[0]!.metadata)! });
    while (this.rounds.length === 0) await new Promise<void>((r) => this.#waiting.push(r));
    const round = this.rounds.shift()!({ memberId: id, metadata: protocols[0]!.metadata });
    this.generation++;
    return {
      generationId: this.generation,
      memberId: id,
      leaderId: 'me',
      protocol: 'p',
      members: round.members,
    };
  }

  async sync(
    _joined: JoinedGroup,
    assignments: readonly { memberId: string; assignment: Buffer }[],
  ): Promise<Buffer> {
    return assignments.find((a) => a.memberId === 'me')!.assignment;
  }

  async leave(memberId: string): Promise<void> {
    this.leaves.push(memberId);
  }

  async close(): Promise<void> {}

  addRound(round: FakeCoordinator['rounds'][number]): void {
    this.rounds.push(round);
    for (const w of this.#waiting.splice(0)) w();
  }
}

function other(id: string, owned: string[]): { memberId: string; metadata: Buffer } {
  const metadata: WorkerMetadata = { workerId: id, url: `http://${id}`, configTopic: 'configs', owned };
  return { memberId: id, metadata: encodeJson(metadata) };
}

function worker(connectors: string[]): GroupWorker & { owns: Set<string>; log: string[] } {
  const owns = new Set<string>();
  const log: string[] = [];
  return {
    owns,
    log,
    owned: () => [...owns].sort(),
    connectors: async () => connectors,
    revoke: async (cs) => {
      for (const c of cs) owns.delete(c);
      log.push(`revoke ${cs.join(',')}`);
    },
    assign: async (cs) => {
      owns.clear();
      for (const c of cs) owns.add(c);
      log.push(`assign ${cs.join(',')}`);
    },
  };
}

function group(client: GroupClient, w: GroupWorker, delayMs = 0, logger: Logger = silentLogger): WorkerGroup {
  return new WorkerGroup({
    client,
    worker: w,
    workerId: () => 'me',
    url: () => 'http://me',
    configTopic: 'configs',
    groupId: 'g',
    heartbeatIntervalMs: 10,
    sessionTimeoutMs: 100,
    scheduledRebalanceMaxDelayMs: delayMs,
    logger,
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), 'condition not reached');
}

describe('relay cluster membership', () => {
  it('runs what the leader assigns and, as leader, reassigns at once when a worker leaves', async (t) => {
    const coordinator = new FakeCoordinator();
    const w = worker(['a', 'b']);
    const g = group(coordinator, w);
    t.after(() => g.close());
    coordinator.addRound((me) => ({ members: [me, other('x', [])] }));
    await g.start();
    assert.equal(w.owned().length, 1, 'one of two connectors');
    assert.equal(g.view.isLeader, true);
    // x leaves: the next rebalance gives this worker both.
    coordinator.heartbeat = async () => {
      coordinator.heartbeat = async () => {};
      throw new GroupCallError('rebalance', 'rejoin', 'REBALANCE_IN_PROGRESS', null);
    };
    coordinator.addRound((me) => ({ members: [me] }));
    await until(() => w.owned().length === 2);
    assert.deepEqual(coordinator.joins.at(-1)!.metadata.owned.length, 1, 'rejoined with what it ran');
    await g.close();
    assert.deepEqual(coordinator.leaves, ['me']);
  });

  it('stops what is revoked and rejoins at once; stops everything when told it is no longer a member', async (t) => {
    const coordinator = new FakeCoordinator();
    const w = worker(['a', 'b']);
    const logger = recordingLogger();
    const started = Date.now();
    const g = group(coordinator, w, 0, logger);
    t.after(() => g.close());
    coordinator.addRound((me) => ({ members: [me] }));
    await g.start();
    assert.deepEqual(w.owned(), ['a', 'b']);
    // y joins: this worker must give one up first (revoked), then rejoin; y gets it in the next round.
    coordinator.heartbeat = async () => {
      coordinator.heartbeat = async () => {};
      throw new GroupCallError('rebalance', 'rejoin', 'REBALANCE_IN_PROGRESS', null);
    };
    coordinator.addRound((me) => ({ members: [me, other('y', [])] }));
    coordinator.addRound((me) => ({ members: [me, other('y', [])] }));
    await until(() => w.log.some((l) => l.startsWith('revoke')) && coordinator.rounds.length === 0);
    await until(() => w.log.at(-1)?.startsWith('assign') === true);
    assert.equal(w.owned().length, 1);
    // Its session expired while it was frozen: the coordinator no longer knows it.
    coordinator.heartbeat = async () => {
      coordinator.heartbeat = async () => {};
      throw new GroupCallError('gone', 'fenced', 'UNKNOWN_MEMBER_ID', null);
    };
    await until(() => w.owned().length === 0);
    // Out of the group for at least 50 ms before the coordinator lets it back in.
    await new Promise((r) => setTimeout(r, 50));
    coordinator.addRound((me) => ({ members: [me] }));
    await until(() => coordinator.joins.length === 4);
    assert.equal(coordinator.joins.at(-1)!.memberId, '', 'joins again as a new member');
    // The outage is told when it ends, measured from the coordinator's last answer.
    await until(() => logger.entries.some((e) => e.msg?.startsWith('relay group joined again') === true));
    const back = logger.entries.find((e) => e.msg?.startsWith('relay group joined again'))!;
    assert.equal(back.level, 'info');
    const downMs = (back.obj as { downMs: number }).downMs;
    assert.ok(downMs >= 50 && downMs < Date.now() - started, `downMs ${downMs}`);
    assert.match(back.msg!, /after \d+ ms out of it$/);
    assert.equal(logger.entries.filter((e) => e.msg?.startsWith('relay group joined again')).length, 1);
    await g.close();
  });

  it('a worker that could not reach the coordinator at first joins, not joins again', async (t) => {
    const coordinator = new FakeCoordinator();
    coordinator.unreachableJoins = 1;
    const logger = recordingLogger();
    const g = group(coordinator, worker(['a']), 0, logger);
    t.after(() => g.close());
    coordinator.addRound((me) => ({ members: [me] }));
    await g.start();
    await until(() => logger.entries.some((e) => e.msg?.startsWith('relay group joined') === true));
    assert.ok(logger.entries.some((e) => e.msg?.includes('coordinator is unreachable') === true));
    assert.deepEqual(
      logger.entries.filter((e) => e.msg?.startsWith('relay group joined')).map((e) => e.msg),
      ['relay group joined'],
    );
    await g.close();
  });

  it("holds a departed worker's connector for scheduled.rebalance.max.delay.ms, then assigns it", async (t) => {
    const coordinator = new FakeCoordinator();
    const w = worker(['a', 'b']);
    const g = group(coordinator, w, 300);
    t.after(() => g.close());
    coordinator.addRound((me) => ({ members: [me, other('z', [])] }));
    await g.start();
    const mine = w.owned();
    assert.equal(mine.length, 1);
    // z (which got the other connector) disappears: the rebalance holds its connector back.
    coordinator.heartbeat = async () => {
      coordinator.heartbeat = async () => {};
      throw new GroupCallError('rebalance', 'rejoin', 'REBALANCE_IN_PROGRESS', null);
    };
    coordinator.addRound((me) => ({ members: [me] }));
    await until(() => coordinator.rounds.length === 0 && w.log.length === 2);
    assert.deepEqual(w.owned(), mine, 'still only its own');
    // The delay ends: the leader rebalances by itself and takes the held connector.
    const since = Date.now();
    coordinator.addRound((me) => ({ members: [me] }));
    await until(() => w.owned().length === 2);
    assert.ok(Date.now() - since >= 150, 'waited for the delay');
    await g.close();
  });
});
