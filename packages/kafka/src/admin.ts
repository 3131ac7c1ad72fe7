import { Admin } from '@platformatic/kafka';
import { baseOptions, type ClientOptions, checkInteger } from './config.ts';
import { invalidOption, KafkaClientError } from './errors.ts';
import { explainConnectionFailure } from './failures.ts';

/** The admin client: topics, groups and configs. */
export type OutflowAdmin = Admin;

/** Creates an admin client; the caller closes it with `admin.close()`. */
export function createAdmin(options: ClientOptions): OutflowAdmin {
  return new Admin(baseOptions(options));
}

/** Options of {@link ensureTopic}. */
export interface TopicOptions {
  /** Number of partitions (default 1). */
  partitions?: number;
  /** Number of replicas of each partition (default 1, the local single-node broker). */
  replicationFactor?: number;
  /** Topic-level configs such as `{ 'cleanup.policy': 'compact' }`. */
  configs?: Readonly<Record<string, string>>;
}

const legalTopic = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Creates `name` if it does not exist. An existing topic is not an error (its partitions and configs are
 * left as they are): resolves `'exists'` then, `'created'` otherwise. Other failures reject with
 * `KAFKA_TOPIC_CREATE_FAILED` (retriable when the broker said so).
 */
export async function ensureTopic(
  admin: OutflowAdmin,
  name: string,
  options: TopicOptions = {},
): Promise<'created' | 'exists'> {
  if (!legalTopic.test(name) || name === '.' || name === '..') {
    throw invalidOption('topic', 'expected 1 to 249 characters from [a-zA-Z0-9._-], not "." or ".."', name);
  }
  checkInteger('partitions', options.partitions, 1, 100_000);
  checkInteger('replicationFactor', options.replicationFactor, 1, 32_767);
  const configs = Object.entries(options.configs ?? {}).map(([key, value]) => ({ name: key, value }));
  try {
    await admin.createTopics({
      topics: [name],
      partitions: options.partitions ?? 1,
      replicas: options.replicationFactor ?? 1,
      ...(configs.length === 0 ? {} : { configs }),
    });
    return 'created';
  } catch (error) {
    const generic = error as { findBy?: (property: string, value: unknown) => unknown; canRetry?: unknown };
    if (generic.findBy?.('apiId', 'TOPIC_ALREADY_EXISTS')) return 'exists';
    const retriable = Boolean(generic.findBy?.('canRetry', true) ?? generic.canRetry);
    const why = explainConnectionFailure(error);
    throw new KafkaClientError(
      'KAFKA_TOPIC_CREATE_FAILED',
      `could not create topic "${name}"${why ? `: ${why}` : ''}`,
      {
        cause: error,
        // A security setting does not fix itself: retrying only hides the reason.
        retriable: retriable && why === undefined,
        details: { topic: name },
      },
    );
  }
}
