import { setTimeout as sleep } from 'node:timers/promises';
import { GroupCallError, type GroupClient, type JoinedGroup } from '@outflow/kafka';
import { formatDuration, type Logger } from '@outflow/relay-core';
import {
  assign,
  CLUSTER_PROTOCOL,
  type ClusterView,
  decodeJson,
  encodeJson,
  type WorkerAssignment,
  type WorkerMetadata,
} from './assignment.ts';

/** What the group drives on this worker. */
export interface GroupWorker {
  /** The connectors this worker runs (its JoinGroup metadata). */
  owned(): string[];
  /** Every connector in the config topic, read to its end (the leader assigns from it). */
  connectors(): Promise<string[]>;
  /** Stops these connectors' tasks (revoked, or this worker lost its membership). */
  revoke(connectors: readonly string[]): Promise<void>;
  /** Runs exactly these connectors from now on (those it already runs keep running). */
  assign(connectors: readonly string[], generation: number): Promise<void>;
}

/** Options of {@link WorkerGroup}. */
export interface WorkerGroupOptions {
  readonly client: GroupClient;
  readonly worker: GroupWorker;
  readonly workerId: () => string;
  readonly url: () => string;
  readonly configTopic: string;
  readonly groupId: string;
  readonly heartbeatIntervalMs: number;
  readonly sessionTimeoutMs: number;
  /** `scheduled.rebalance.max.delay.ms`: how long a departed worker's connectors wait for it to return. */
  readonly scheduledRebalanceMaxDelayMs: number;
  readonly logger: Logger;
}

/**
 * This worker's membership of the relay cluster, on Kafka's group protocol as Connect's distributed
 * herder: join, let the leader assign connectors, heartbeat, rejoin on every rebalance. Tasks keep running
 * through a rebalance unless revoked, and through a Kafka outage (they retry and report it, as in Connect).
 * A worker told that it is no longer a member (its session expired while it was frozen or cut off) stops
 * its tasks at once: they already run elsewhere, and exactly-once fencing covers the moments before.
 */
export class WorkerGroup {
  readonly #o: WorkerGroupOptions;
  #memberId = '';
  #view: ClusterView;
  #closed = false;
  #rejoin: (() => void) | undefined;
  #rejoinRequested = false;
  #loop: Promise<void> | undefined;
  #firstAssignment: { resolve: () => void; promise: Promise<void> };
  /** Leader only: when each connector's worker left, to hold it for `scheduled.rebalance.max.delay.ms`. */
  readonly #departed = new Map<string, number>();
  #previous = new Map<string, string>();
  #delayTimer: NodeJS.Timeout | undefined;
  /** When the coordinator last answered a join or a heartbeat. */
  #lastAnswer = 0;
  /** Since when this worker has been out of the group (its session lost or the coordinator away), if it is. */
  #outSince: number | undefined;

  constructor(options: WorkerGroupOptions) {
    this.#o = options;
    this.#view = {
      groupId: options.groupId,
      generation: -1,
      memberId: '',
      leaderId: '',
      leaderUrl: '',
      isLeader: false,
      members: [],
      joined: false,
    };
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#firstAssignment = { resolve, promise };
  }

  get view(): ClusterView {
    return this.#view;
  }

  /** Starts the membership loop; resolves once this worker has its first assignment. */
  async start(): Promise<void> {
    this.#loop = this.#run();
    await this.#firstAssignment.promise;
  }

  /** Asks for a rebalance (connectors were created or deleted): the leader rejoins, the others follow. */
  requestRebalance(): void {
    this.#rejoinRequested = true;
    this.#rejoin?.();
  }

  /** Leaves the group (its connectors move at once instead of after the session timeout). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#delayTimer);
    this.#rejoin?.();
    await this.#loop;
    if (this.#memberId !== '')
      await this.#o.client
        .leave(this.#memberId)
        .catch((error: unknown) => this.#o.logger.warn({ err: error }, 'could not leave the relay group'));
    this.#firstAssignment.resolve();
  }

  async #run(): Promise<void> {
    let backoffMs = 200;
    while (!this.#closed) {
      try {
        await this.#round();
        backoffMs = 200;
      } catch (error) {
        if (this.#closed) return;
        const failure = error instanceof GroupCallError ? error.failure : 'coordinator';
        if (failure === 'rejoin') continue;
        // A frozen worker or coordinator learns of the lost session only afterwards: it began at the last answer.
        // A worker that was never in (Kafka unreachable at start) has nothing to come back to.
        if (this.#lastAnswer > 0) this.#outSince ??= this.#lastAnswer;
        if (failure === 'fenced') {
          this.#o.logger.warn(
            { err: error },
            'this worker is no longer a member of the relay group (its session expired); its tasks stop and it joins again',
          );
          if ((error as GroupCallError).protocolError === 'UNKNOWN_MEMBER_ID') this.#memberId = '';
          await this.#loseAssignment();
          continue;
        }
        const level = failure === 'fatal' ? 'error' : 'warn';
        this.#o.logger[level](
          { err: error, retryInMs: backoffMs },
          failure === 'fatal'
            ? 'cannot join the relay group; retrying'
            : 'the relay group coordinator is unreachable; retrying',
        );
        await this.#pause(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  /** One generation: join, sync, apply the assignment, heartbeat until a rebalance or failure. */
  async #round(): Promise<void> {
    this.#view = { ...this.#view, joined: false };
    this.#rejoinRequested = false;
    const metadata: WorkerMetadata = {
      workerId: this.#o.workerId(),
      url: this.#o.url(),
      configTopic: this.#o.configTopic,
      owned: this.#o.worker.owned(),
    };
    const joined = await this.#o.client.join(this.#memberId, [
      { name: CLUSTER_PROTOCOL, metadata: encodeJson(metadata) },
    ]);
    this.#memberId = joined.memberId;
    const assignments = joined.leaderId === joined.memberId ? await this.#lead(joined) : [];
    const bytes = await this.#o.client.sync(joined, assignments);
    const assignment = decodeJson<WorkerAssignment>(bytes);
    if (assignment === undefined)
      throw new GroupCallError('unreadable assignment', 'rejoin', undefined, null);
    if (assignment.error !== null) {
      this.#o.logger.error(
        { groupId: this.#o.groupId },
        `this worker cannot join the relay cluster: ${assignment.error}`,
      );
      await this.#loseAssignment();
      await this.#pause(5000);
      return;
    }
    if (assignment.revoked.length > 0) {
      this.#o.logger.info(
        { connectors: assignment.revoked, generation: joined.generationId },
        'connectors revoked by the group leader; they move to another worker',
      );
      await this.#o.worker.revoke(assignment.revoked);
    }
    this.#view = {
      groupId: this.#o.groupId,
      generation: joined.generationId,
      memberId: joined.memberId,
      leaderId: assignment.leaderId,
      leaderUrl: assignment.leaderUrl,
      isLeader: joined.leaderId === joined.memberId,
      members: assignment.members,
      joined: assignment.revoked.length === 0,
    };
    // Cooperative: what was revoked is now free, and the next round hands it out.
    if (assignment.revoked.length > 0) return;
    await this.#o.worker.assign(assignment.assigned, joined.generationId);
    this.#lastAnswer = Date.now();
    const outMs = this.#outSince === undefined ? undefined : Date.now() - this.#outSince;
    this.#outSince = undefined;
    this.#o.logger.info(
      {
        generation: joined.generationId,
        leader: this.#view.isLeader,
        workers: assignment.members.length,
        connectors: assignment.assigned,
        ...(outMs === undefined ? {} : { downMs: outMs }),
      },
      outMs === undefined
        ? 'relay group joined'
        : `relay group joined again after ${formatDuration(outMs)} out of it`,
    );
    this.#firstAssignment.resolve();
    await this.#heartbeats(joined);
  }

  async #heartbeats(joined: JoinedGroup): Promise<void> {
    let failingSince: number | undefined;
    while (!this.#closed && !this.#rejoinRequested) {
      await this.#pause(this.#o.heartbeatIntervalMs);
      if (this.#closed || this.#rejoinRequested) return;
      try {
        await this.#o.client.heartbeat(joined.generationId, joined.memberId);
        this.#lastAnswer = Date.now();
        if (failingSince !== undefined)
          this.#o.logger.info(
            { unreachableMs: Date.now() - failingSince },
            'the relay group coordinator answers again',
          );
        failingSince = undefined;
      } catch (error) {
        if (error instanceof GroupCallError && error.failure === 'coordinator') {
          // Keep trying: the session may still be alive once the coordinator answers again. Said once.
          if (failingSince === undefined)
            this.#o.logger.warn(
              { err: error },
              'relay group heartbeat failed; the tasks keep running, retrying',
            );
          failingSince ??= Date.now();
          continue;
        }
        throw error;
      }
    }
  }

  /** The leader's assignments for every member. */
  async #lead(joined: JoinedGroup): Promise<{ memberId: string; assignment: Buffer }[]> {
    const connectors = await this.#o.worker.connectors();
    const members = joined.members.map((m) => ({
      memberId: m.memberId,
      metadata: decodeJson<WorkerMetadata>(m.metadata),
    }));
    const held = this.#held(members);
    const result = assign({
      leaderId: joined.leaderId,
      members,
      connectors,
      configTopic: this.#o.configTopic,
      held,
    });
    this.#previous = new Map();
    for (const [memberId, a] of result) for (const c of a.assigned) this.#previous.set(c, memberId);
    return [...result].map(([memberId, a]) => ({ memberId, assignment: encodeJson(a) }));
  }

  /**
   * Connectors whose worker left the group less than `scheduled.rebalance.max.delay.ms` ago wait for it to
   * come back; a rebalance is scheduled for when the delay ends.
   */
  #held(members: readonly { memberId: string; metadata: WorkerMetadata | undefined }[]): Set<string> {
    const delay = this.#o.scheduledRebalanceMaxDelayMs;
    const held = new Set<string>();
    if (delay <= 0) return held;
    const now = Date.now();
    const present = new Set(members.map((m) => m.memberId));
    const running = new Set(members.flatMap((m) => m.metadata?.owned ?? []));
    for (const [c, memberId] of this.#previous)
      if (!present.has(memberId) && !running.has(c) && !this.#departed.has(c)) this.#departed.set(c, now);
    for (const [c, since] of this.#departed) {
      if (running.has(c) || now - since >= delay) this.#departed.delete(c);
      else held.add(c);
    }
    if (held.size > 0) {
      const wait = Math.min(...[...held].map((c) => delay - (now - this.#departed.get(c)!)));
      clearTimeout(this.#delayTimer);
      this.#delayTimer = setTimeout(() => this.requestRebalance(), wait);
      this.#delayTimer.unref();
      this.#o.logger.info(
        { connectors: [...held], waitMs: wait },
        'connectors of a departed worker wait for it (scheduled.rebalance.max.delay.ms)',
      );
    }
    return held;
  }

  /** Stops every task: this worker's assignment may already run elsewhere. */
  async #loseAssignment(): Promise<void> {
    this.#view = { ...this.#view, joined: false, members: [] };
    const owned = this.#o.worker.owned();
    if (owned.length > 0) await this.#o.worker.revoke(owned);
  }

  /** Resolves true once this worker is a joined member (at once if it is), false after `timeoutMs`. */
  async joined(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#view.joined && !this.#closed && Date.now() < deadline) await sleep(50);
    return this.#view.joined;
  }

  /** Waits `ms`, or less if a rejoin is requested or the group is closed. */
  async #pause(ms: number): Promise<void> {
    const wake = new AbortController();
    this.#rejoin = () => wake.abort();
    try {
      await sleep(ms, undefined, { signal: wake.signal });
    } catch {
      // Woken early.
    } finally {
      this.#rejoin = undefined;
    }
  }
}
