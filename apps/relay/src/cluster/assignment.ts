/**
 * The relay cluster's group protocol: what a worker tells the group when it joins, and what the leader
 * hands each worker back. Both travel as JSON in the JoinGroup metadata and SyncGroup assignment bytes.
 */

/** The protocol name workers join with; a worker speaking another version cannot join the same group. */
export const CLUSTER_PROTOCOL = 'outflow-cooperative-1';

/** A worker's JoinGroup metadata. */
export interface WorkerMetadata {
  /** `host:port` shown as `worker_id`. */
  readonly workerId: string;
  /** Where other workers reach its REST API (forwarded requests). */
  readonly url: string;
  /** Workers of one cluster must share their config topic; the leader refuses one that does not. */
  readonly configTopic: string;
  /** The connectors it runs now: it keeps them unless the leader revokes them. */
  readonly owned: readonly string[];
}

/** One worker of the cluster, as every worker learns it from its assignment. */
export interface ClusterMember {
  readonly memberId: string;
  readonly workerId: string;
  readonly url: string;
  readonly connectors: readonly string[];
}

/** The cluster as this worker last learnt it. */
export interface ClusterView {
  readonly groupId: string;
  readonly generation: number;
  readonly memberId: string;
  readonly leaderId: string;
  readonly leaderUrl: string;
  readonly isLeader: boolean;
  readonly members: readonly ClusterMember[];
  /** False while (re)joining or after the membership was lost. */
  readonly joined: boolean;
}

/** The worker that runs `connector` in `view`, if any does. */
export function ownerOf(view: ClusterView, connector: string): ClusterMember | undefined {
  return view.members.find((m) => m.connectors.includes(connector));
}

/** What the leader hands one worker. */
export interface WorkerAssignment {
  /** Set when the worker cannot take part (its config topic differs): it runs nothing and says why. */
  readonly error: string | null;
  readonly leaderId: string;
  readonly leaderUrl: string;
  /** Connectors it runs (those it already ran and kept, and new ones). */
  readonly assigned: readonly string[];
  /** Connectors it must stop, then rejoin at once so that another worker can take them. */
  readonly revoked: readonly string[];
  /** Every worker and what it runs after this round, for forwarding and for the REST API's cluster view. */
  readonly members: readonly ClusterMember[];
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify({ version: 1, ...(value as object) }), 'utf8');
}

/** Parses bytes written by {@link encodeJson}; undefined for anything else (another protocol's bytes). */
export function decodeJson<T>(bytes: Buffer): T | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as { version?: unknown };
    return value?.version === 1 ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/** A member as the leader reads it from the JoinGroup answer (metadata undefined: unreadable). */
export interface JoinedMember {
  readonly memberId: string;
  readonly metadata: WorkerMetadata | undefined;
}

/** What the leader decides from. */
export interface AssignInput {
  readonly leaderId: string;
  readonly members: readonly JoinedMember[];
  /** Every connector in the config topic. */
  readonly connectors: readonly string[];
  readonly configTopic: string;
  /** Connectors whose worker left and that wait for it (`scheduled.rebalance.max.delay.ms`). */
  readonly held?: ReadonlySet<string>;
}

/**
 * Incremental cooperative assignment, as Kafka Connect's: a worker keeps the connectors it runs up to its
 * fair share; connectors nobody runs (new ones, or those of a worker that left) go to the workers below
 * their share; a worker above its share has the surplus revoked, and those connectors are assigned in the
 * next round, once it has stopped them, so two workers never run the same connector. Deterministic: the
 * same input gives the same answer on any leader.
 */
export function assign(input: AssignInput): Map<string, WorkerAssignment> {
  const out = new Map<string, WorkerAssignment>();
  const members = [...input.members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  const valid = members.filter(
    (m) => m.metadata !== undefined && m.metadata.configTopic === input.configTopic,
  );
  const leader = members.find((m) => m.memberId === input.leaderId)?.metadata;
  const leaderUrl = leader?.url ?? '';
  const exists = new Set(input.connectors);
  const held = input.held ?? new Set<string>();

  // Who runs what now: the first claimant keeps a connector, later ones (should never happen) give it up.
  const kept = new Map<string, string[]>();
  const revoked = new Map<string, string[]>();
  const owner = new Map<string, string>();
  for (const m of valid) {
    kept.set(m.memberId, []);
    revoked.set(m.memberId, []);
    for (const c of [...m.metadata!.owned].sort()) {
      if (!exists.has(c) || owner.has(c)) revoked.get(m.memberId)!.push(c);
      else {
        owner.set(c, m.memberId);
        kept.get(m.memberId)!.push(c);
      }
    }
  }

  // Fair shares: the first `extra` workers (those already running the most) may run one more.
  const placeable = input.connectors.filter((c) => owner.has(c) || !held.has(c));
  const base = valid.length === 0 ? 0 : Math.floor(placeable.length / valid.length);
  const extra = valid.length === 0 ? 0 : placeable.length % valid.length;
  const byLoad = [...valid].sort(
    (a, b) =>
      kept.get(b.memberId)!.length - kept.get(a.memberId)!.length || (a.memberId < b.memberId ? -1 : 1),
  );
  const share = new Map<string, number>();
  for (const [i, m] of byLoad.entries()) share.set(m.memberId, base + (i < extra ? 1 : 0));

  for (const m of valid) {
    const mine = kept.get(m.memberId)!;
    const surplus = mine.splice(share.get(m.memberId)!);
    revoked.get(m.memberId)!.push(...surplus);
  }
  const free = input.connectors.filter((c) => !owner.has(c) && !held.has(c));
  for (const c of free) {
    const taker = byLoad.find((m) => kept.get(m.memberId)!.length < share.get(m.memberId)!);
    if (taker === undefined) break;
    kept.get(taker.memberId)!.push(c);
  }

  const view: ClusterMember[] = valid.map((m) => ({
    memberId: m.memberId,
    workerId: m.metadata!.workerId,
    url: m.metadata!.url,
    connectors: [...kept.get(m.memberId)!].sort(),
  }));
  for (const m of members) {
    const ok = valid.includes(m);
    out.set(m.memberId, {
      error: ok
        ? null
        : m.metadata === undefined
          ? 'its group metadata is not readable: every worker of a cluster must run the same Outflow protocol'
          : `its config.storage.topic "${m.metadata.configTopic}" is not the cluster's "${input.configTopic}": ` +
            'workers with one group.id must share their config, offset and status topics',
      leaderId: input.leaderId,
      leaderUrl,
      assigned: ok ? [...kept.get(m.memberId)!].sort() : [],
      revoked: ok ? revoked.get(m.memberId)! : [],
      members: view,
    });
  }
  return out;
}
