import { clientSecurity, SECURITY_PROPERTY_NAMES, securityProperties } from '@outflow/kafka';
import { ConfigError, type ConfigKey, type ConfigProblem } from '@outflow/relay-core';

/** The Kafka clients the worker runs, as Connect's worker-level prefixes name them. */
export const CLIENT_PREFIXES = ['producer.', 'admin.', 'consumer.'] as const;

/** Per-connector producer overrides (Connect's `producer.override.*`). */
export const PRODUCER_OVERRIDE_PREFIX = 'producer.override.';

/** Connect's override policies; `Principal` allows only the identity properties. */
export const OVERRIDE_POLICIES = ['None', 'Principal', 'All'] as const;
export type OverridePolicy = (typeof OVERRIDE_POLICIES)[number];
const PRINCIPAL_PROPERTIES = new Set(['security.protocol', 'sasl.mechanism', 'sasl.jaas.config']);

const STORE_KEYS: readonly [string, 'string' | 'password', string][] = [
  [
    'ssl.truststore.type',
    'string',
    '`PEM`, the only type (a JKS/PKCS12 store is refused with the command that converts it).',
  ],
  [
    'ssl.truststore.location',
    'string',
    "A PEM file of the CAs that sign the brokers' certificates (default: the system CAs). Also the HTTPS listener's client CAs unless `listeners.https.ssl.truststore.location` is set.",
  ],
  [
    'ssl.truststore.certificates',
    'string',
    'The trusted CAs as PEM text, instead of `ssl.truststore.location`.',
  ],
  ['ssl.keystore.type', 'string', '`PEM`, the only type.'],
  [
    'ssl.keystore.location',
    'string',
    "Mutual TLS: a PEM file with the client's private key and certificate chain. Also the HTTPS listener's unless `listeners.https.ssl.keystore.location` is set.",
  ],
  ['ssl.keystore.certificate.chain', 'string', 'The certificate chain as PEM text, with `ssl.keystore.key`.'],
  ['ssl.keystore.key', 'password', 'The private key as PEM text, with `ssl.keystore.certificate.chain`.'],
  ['ssl.key.password', 'password', 'Decrypts an encrypted PEM private key.'],
];

/**
 * The worker's Kafka client security properties (Kafka's own names). They apply to every client of the
 * worker (configs, offsets, the connectors' producers); `producer.`, `admin.` and `consumer.` prefixed
 * copies override them for one kind of client, as in Connect.
 */
export const kafkaClientKeys: readonly ConfigKey[] = [
  {
    name: 'security.protocol',
    type: 'string',
    default: 'PLAINTEXT',
    oneOf: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'],
    description:
      "How the worker's Kafka clients talk to the brokers. `producer.`/`admin.`/`consumer.` prefixes set it for one kind of client; a connector's `producer.override.security.protocol` for its producer.",
  },
  {
    name: 'sasl.mechanism',
    type: 'string',
    default: null,
    oneOf: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'],
    description:
      "SASL mechanism with `SASL_PLAINTEXT`/`SASL_SSL` (Kerberos/GSSAPI is not supported). `OAUTHBEARER` gets its tokens by the OAuth client-credentials grant from `sasl.oauthbearer.token.endpoint.url`, with `clientId`, `clientSecret` and optional `scope` in `OAuthBearerLoginModule`'s `sasl.jaas.config`.",
  },
  {
    name: 'sasl.oauthbearer.token.endpoint.url',
    type: 'string',
    default: null,
    description: 'OAUTHBEARER: the OAuth token endpoint (client-credentials grant).',
  },
  {
    name: 'sasl.login.callback.handler.class',
    type: 'class',
    default: null,
    description:
      'Accepted for compatibility (`…oauthbearer.OAuthBearerLoginCallbackHandler`): OAUTHBEARER always uses the token endpoint.',
  },
  {
    name: 'sasl.jaas.config',
    type: 'password',
    default: null,
    description:
      'The login module as Java writes it, e.g. `org.apache.kafka.common.security.scram.ScramLoginModule required username="…" password="…";` (`PlainLoginModule` for PLAIN). Masked everywhere.',
  },
  {
    name: 'ssl.endpoint.identification.algorithm',
    type: 'string',
    default: 'https',
    description:
      "`https` checks that the broker's certificate names the host connected to; empty turns that check off (the chain is still verified).",
  },
  ...STORE_KEYS.map(([name, type, description]): ConfigKey => ({ name, type, default: null, description })),
  {
    name: 'connector.client.config.override.policy',
    type: 'string',
    default: 'All',
    oneOf: OVERRIDE_POLICIES,
    description:
      'Which `producer.override.*` properties a connector may set: `All`, `Principal` (only `security.protocol`, `sasl.mechanism`, `sasl.jaas.config`) or `None`.',
  },
];

/** True for a worker property that sets one kind of client's security (`producer.sasl.jaas.config`). */
export function isClientPrefixedProperty(name: string): boolean {
  return CLIENT_PREFIXES.some(
    (p) => name.startsWith(p) && SECURITY_PROPERTY_NAMES.includes(name.slice(p.length)),
  );
}

/** Each client kind's security properties: the worker's, overridden by its prefixed ones. */
export interface WorkerClientProperties {
  /** The unprefixed ones: the worker's own stores (configs, offsets). */
  readonly worker: Readonly<Record<string, string>>;
  readonly producer: Readonly<Record<string, string>>;
  readonly admin: Readonly<Record<string, string>>;
  readonly consumer: Readonly<Record<string, string>>;
}

/** Reads and checks the worker's client security; throws a ConfigError naming the property at fault. */
export function loadWorkerClientProperties(props: Readonly<Record<string, string>>): WorkerClientProperties {
  const base = securityProperties(props);
  const out: Record<string, Record<string, string>> = { worker: base };
  for (const prefix of CLIENT_PREFIXES) {
    const merged = { ...base, ...securityProperties(props, prefix) };
    try {
      clientSecurity(merged);
    } catch (error) {
      const option = String((error as { details?: { option?: string } }).details?.option ?? '');
      const property = Object.hasOwn(props, prefix + option) ? prefix + option : option;
      throw new ConfigError([{ property, message: (error as Error).message.replace(/^[^:]*: /, '') }]);
    }
    out[prefix.slice(0, -1)] = merged;
  }
  return out as unknown as WorkerClientProperties;
}

/**
 * A connector's `producer.override.*` properties (prefix removed), checked against the worker's policy
 * and Kafka's names. Returns the problems found, naming each property.
 */
export function producerOverrides(
  config: Readonly<Record<string, string>>,
  policy: OverridePolicy,
): { overrides: Record<string, string>; problems: ConfigProblem[] } {
  const overrides: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  for (const [name, value] of Object.entries(config)) {
    if (!name.startsWith(PRODUCER_OVERRIDE_PREFIX)) continue;
    const key = name.slice(PRODUCER_OVERRIDE_PREFIX.length);
    if (policy === 'None' || (policy === 'Principal' && !PRINCIPAL_PROPERTIES.has(key)))
      problems.push({
        property: name,
        message: `is not allowed by the worker's connector.client.config.override.policy=${policy}`,
      });
    else if (!SECURITY_PROPERTY_NAMES.includes(key))
      problems.push({
        property: name,
        message: 'only Kafka security properties can be overridden by Outflow',
      });
    else overrides[key] = value;
  }
  return { overrides, problems };
}
