import {
  Admin,
  type Connection,
  FindCoordinatorKeyTypes,
  kGetApi,
  kGetConnection,
  kMetadata,
} from '@platformatic/kafka';
import { baseOptions, type ClientOptions, checkName } from './config.ts';
import { explainConnectionFailure } from './failures.ts';

/** One member as the leader sees it in the JoinGroup answer: its id and the metadata it joined with. */
export interface GroupMember {
  readonly memberId: string;
  readonly metadata: Buffer;
}

/** A completed JoinGroup: the generation, this member's id, the leader's, and (for the leader) every member. */
export interface JoinedGroup {
  readonly generationId: number;
  readonly memberId: string;
  readonly leaderId: string;
  readonly protocol: string;
  /** Empty unless this member is the leader. */
  readonly members: readonly GroupMember[];
}

/** Options of {@link createGroupClient}. */
export interface GroupClientOptions extends ClientOptions {
  readonly groupId: string;
  /** The group's protocol type (`connect` for workers, as Kafka Connect's distributed herder). */
  readonly protocolType: string;
  readonly sessionTimeoutMs: number;
  /** How long the coordinator waits for every member to rejoin during a rebalance. */
  readonly rebalanceTimeoutMs: number;
}

/**
 * Why a group call failed, for the membership loop to act on: `rejoin` (a rebalance started: join again,
 * keeping what it runs), `fenced` (this member was removed or is a generation behind: its assignment is no
 * longer its own), `coordinator` (the coordinator moved or is unreachable: find it again and retry), `fatal`
 * (configuration or authorisation: retrying cannot help).
 */
export type GroupFailure = 'rejoin' | 'fenced' | 'coordinator' | 'fatal';

/** A failed group call, with what to do about it. */
export class GroupCallError extends Error {
  readonly failure: GroupFailure;
  readonly protocolError: string | undefined;

  constructor(message: string, failure: GroupFailure, protocolError: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'GroupCallError';
    this.failure = failure;
    this.protocolError = protocolError;
  }
}

/**
 * Kafka's classic group membership protocol (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup)
 * for members that are not consumers: the protocol type and the metadata and assignments are the caller's,
 * as Kafka Connect's distributed workers use the same group machinery as consumers with their own protocol.
 * Calls are not made concurrently (a broker answers one request per connection at a time).
 */
export interface GroupClient {
  join(memberId: string, protocols: readonly { name: string; metadata: Buffer }[]): Promise<JoinedGroup>;
  /** Sends the leader's assignments (empty for followers) and returns this member's. */
  sync(
    joined: JoinedGroup,
    assignments: readonly { memberId: string; assignment: Buffer }[],
  ): Promise<Buffer>;
  heartbeat(generationId: number, memberId: string): Promise<void>;
  leave(memberId: string): Promise<void>;
  close(): Promise<void>;
}

/** Creates a {@link GroupClient}; nothing is contacted until the first call. */
export function createGroupClient(options: GroupClientOptions): GroupClient {
  checkName('groupId', options.groupId);
  return new KafkaGroupClient(options);
}

const REJOIN = new Set(['REBALANCE_IN_PROGRESS', 'MEMBER_ID_REQUIRED']);
const FENCED = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID']);
const COORDINATOR = new Set([
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
]);

class KafkaGroupClient implements GroupClient {
  readonly #o: GroupClientOptions;
  readonly #client: Admin;
  #coordinator: Promise<Connection> | undefined;

  constructor(options: GroupClientOptions) {
    this.#o = options;
    // JoinGroup answers only when the rebalance completes: the request may take the whole rebalance timeout.
    this.#client = new Admin({
      ...baseOptions({ ...options, requestTimeoutMs: options.rebalanceTimeoutMs + 5000 }),
      retries: 0,
    });
  }

  async join(
    memberId: string,
    protocols: readonly { name: string; metadata: Buffer }[],
  ): Promise<JoinedGroup> {
    let id = memberId;
    // A first join is answered MEMBER_ID_REQUIRED with the id to join with (KIP-394): join again with it.
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.#call('JoinGroup', [
          this.#o.groupId,
          this.#o.sessionTimeoutMs,
          this.#o.rebalanceTimeoutMs,
          id,
          null,
          this.#o.protocolType,
          protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
          null,
        ]);
        const r = response as {
          generationId: number;
          memberId: string;
          leader: string;
          protocolName: string | null;
          members: { memberId: string; metadata: Buffer }[];
        };
        return {
          generationId: r.generationId,
          memberId: r.memberId,
          leaderId: r.leader,
          protocol: r.protocolName ?? '',
          members: r.members.map((m) => ({ memberId: m.memberId, metadata: Buffer.from(m.metadata) })),
        };
      } catch (error) {
        const given = (error as { response?: { memberId?: string } }).response?.memberId;
        if (
          attempt < 2 &&
          error instanceof GroupCallError &&
          error.protocolError === 'MEMBER_ID_REQUIRED' &&
          given
        ) {
          id = given;
          continue;
        }
        throw error;
      }
    }
  }

  async sync(
    joined: JoinedGroup,
    assignments: readonly { memberId: string; assignment: Buffer }[],
  ): Promise<Buffer> {
    const response = (await this.#call('SyncGroup', [
      this.#o.groupId,
      joined.generationId,
      joined.memberId,
      null,
      this.#o.protocolType,
      joined.protocol,
      assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    ])) as { assignment: Buffer };
    return Buffer.from(response.assignment);
  }

  async heartbeat(generationId: number, memberId: string): Promise<void> {
    await this.#call('Heartbeat', [this.#o.groupId, generationId, memberId, null]);
  }

  async leave(memberId: string): Promise<void> {
    await this.#call('LeaveGroup', [this.#o.groupId, [{ memberId, reason: 'the worker is stopping' }]]);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  async #call(apiName: string, args: unknown[]): Promise<unknown> {
    let connection: Connection;
    try {
      connection = await this.#connection();
    } catch (error) {
      this.#coordinator = undefined;
      throw classify(`could not reach the coordinator of group "${this.#o.groupId}"`, error);
    }
    try {
      const api = await new Promise<{ async: (...a: unknown[]) => Promise<unknown> }>((resolve, reject) =>
        this.#client[kGetApi](apiName, (error: Error | null, found: unknown) =>
          error ? reject(error) : resolve(found as { async: (...a: unknown[]) => Promise<unknown> }),
        ),
      );
      return await api.async(connection, ...args);
    } catch (error) {
      const failure = classify(`${apiName} of group "${this.#o.groupId}" failed`, error);
      if (failure.failure === 'coordinator') this.#coordinator = undefined;
      throw failure;
    }
  }

  #connection(): Promise<Connection> {
    this.#coordinator ??= (async () => {
      const client = this.#client;
      const metadata = await client.metadata({ topics: [] });
      const bootstrap = [...metadata.brokers.values()][0];
      if (bootstrap === undefined) throw new Error('the cluster lists no broker');
      const any = await connect(client, bootstrap);
      const api = await new Promise<{ async: (...a: unknown[]) => Promise<unknown> }>((resolve, reject) =>
        client[kGetApi]('FindCoordinator', (error: Error | null, found: unknown) =>
          error ? reject(error) : resolve(found as { async: (...a: unknown[]) => Promise<unknown> }),
        ),
      );
      const found = (await api.async(any, FindCoordinatorKeyTypes.GROUP, [this.#o.groupId])) as {
        coordinators: { nodeId: number; errorCode: number }[];
      };
      const nodeId = found.coordinators[0]?.nodeId;
      const fresh = await new Promise<{ brokers: Map<number, { host: string; port: number }> }>(
        (resolve, reject) =>
          client[kMetadata]({ topics: [], forceUpdate: true }, (error: Error | null, m: unknown) =>
            error ? reject(error) : resolve(m as { brokers: Map<number, { host: string; port: number }> }),
          ),
      );
      const broker = nodeId === undefined ? undefined : fresh.brokers.get(nodeId);
      if (broker === undefined) throw new Error(`coordinator ${nodeId} is not among the brokers`);
      return connect(client, broker);
    })();
    return this.#coordinator;
  }
}

function connect(client: Admin, broker: { host: string; port: number }): Promise<Connection> {
  return new Promise((resolve, reject) =>
    client[kGetConnection](broker, (error: Error | null, connection?: Connection) =>
      error || connection === undefined ? reject(error ?? new Error('no connection')) : resolve(connection),
    ),
  );
}

/** The protocol error a platformatic failure carries (`REBALANCE_IN_PROGRESS`, …), if any. */
function protocolErrorOf(error: unknown): string | undefined {
  const e = error as { apiId?: unknown; errors?: unknown[] };
  if (typeof e?.apiId === 'string') return e.apiId;
  for (const inner of e?.errors ?? []) {
    const id = protocolErrorOf(inner);
    if (id !== undefined) return id;
  }
  return undefined;
}

function classify(message: string, error: unknown): GroupCallError {
  const id = protocolErrorOf(error);
  const failure: GroupFailure =
    id === undefined
      ? 'coordinator'
      : REJOIN.has(id)
        ? 'rejoin'
        : FENCED.has(id)
          ? 'fenced'
          : COORDINATOR.has(id)
            ? 'coordinator'
            : 'fatal';
  const why = id ?? explainConnectionFailure(error) ?? (error as Error)?.message;
  const out = new GroupCallError(why === undefined ? message : `${message}: ${why}`, failure, id, error);
  // JoinGroup's MEMBER_ID_REQUIRED carries the id to use in its response.
  const response = (error as { response?: unknown }).response;
  if (response !== undefined) Object.defineProperty(out, 'response', { value: response });
  return out;
}
