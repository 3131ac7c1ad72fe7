import type { ConnectionOptions } from 'node:tls';
import { invalidOption } from './errors.ts';
import { parseJaasModules } from './jaas.ts';
import { clientCredentialsToken } from './oauth.ts';
import { readPemMaterial, SSL_PROPERTY_NAMES } from './ssl.ts';

/** Kafka's `security.protocol` values. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

/** The SASL mechanisms Outflow's Kafka clients speak. */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

/**
 * Kafka client property names this module reads (Kafka's `CommonClientConfigs`, `SaslConfigs`,
 * `SslConfigs`); any other name given to {@link clientSecurity} is a configuration error.
 */
export const SECURITY_PROPERTY_NAMES: readonly string[] = [
  'security.protocol',
  'sasl.mechanism',
  'sasl.jaas.config',
  'sasl.oauthbearer.token.endpoint.url',
  'sasl.login.callback.handler.class',
  'ssl.endpoint.identification.algorithm',
  ...SSL_PROPERTY_NAMES,
];

/** Connection security in the form @platformatic/kafka takes: `tls` options and SASL credentials. */
export interface ClientSecurity {
  readonly tls?: ConnectionOptions;
  readonly sasl?:
    | {
        readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
        readonly username: string;
        readonly password: string;
      }
    | { readonly mechanism: 'OAUTHBEARER'; readonly token: () => Promise<string> };
}

const LOGIN_MODULES: Record<(typeof SASL_MECHANISMS)[number], string> = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  OAUTHBEARER: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
};

/**
 * Builds a client's connection security from Kafka's own property names: `security.protocol`
 * (`PLAINTEXT` default, `SSL`, `SASL_PLAINTEXT`, `SASL_SSL`), `sasl.mechanism` (`PLAIN`, `SCRAM-SHA-256`,
 * `SCRAM-SHA-512`), `sasl.jaas.config` as Java writes it, the PEM `ssl.truststore.*` / `ssl.keystore.*`
 * stores and `ssl.endpoint.identification.algorithm` (`https` by default; empty turns the host name check
 * off). `what` prefixes property names in errors (e.g. `producer.override.`). Throws
 * `KAFKA_CONFIG_INVALID` naming the property at fault.
 */
export function clientSecurity(props: Readonly<Record<string, string>>, what = ''): ClientSecurity {
  for (const name of Object.keys(props))
    if (!SECURITY_PROPERTY_NAMES.includes(name))
      throw invalidOption(`${what}${name}`, 'is not a supported Kafka client security property');
  const protocol = (props['security.protocol']?.trim() || 'PLAINTEXT').toUpperCase();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol))
    throw invalidOption(
      `${what}security.protocol`,
      `must be one of ${SECURITY_PROTOCOLS.join(', ')}`,
      props['security.protocol'],
    );
  const out: { tls?: ConnectionOptions; sasl?: ClientSecurity['sasl'] } = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const pem = readPemMaterial(props);
    const tls: ConnectionOptions = { ...pem };
    const algorithm = props['ssl.endpoint.identification.algorithm'];
    if (algorithm !== undefined && algorithm.trim() === '') tls.checkServerIdentity = () => undefined;
    else if (algorithm !== undefined && algorithm.trim().toLowerCase() !== 'https')
      throw invalidOption(
        `${what}ssl.endpoint.identification.algorithm`,
        "must be 'https' or empty",
        algorithm,
      );
    out.tls = tls;
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') out.sasl = sasl(props, what);
  return out;
}

function sasl(props: Readonly<Record<string, string>>, what: string): NonNullable<ClientSecurity['sasl']> {
  const mechanism = (props['sasl.mechanism']?.trim() || 'GSSAPI').toUpperCase();
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism))
    throw invalidOption(
      `${what}sasl.mechanism`,
      `must be one of ${SASL_MECHANISMS.join(', ')} (Kafka's default GSSAPI/Kerberos is not supported)`,
      props['sasl.mechanism'],
    );
  const m = mechanism as (typeof SASL_MECHANISMS)[number];
  const jaas = props['sasl.jaas.config'];
  if (jaas === undefined || jaas.trim() === '')
    throw invalidOption(`${what}sasl.jaas.config`, `is required with sasl.mechanism=${m}`);
  let modules: ReturnType<typeof parseJaasModules>;
  try {
    modules = parseJaasModules(jaas, `${what}sasl.jaas.config`);
  } catch (error) {
    // The parser's message never quotes the value: it holds the password.
    throw invalidOption(`${what}sasl.jaas.config`, (error as Error).message.replace(/^[^:]*: /, ''));
  }
  const module = modules[0]!;
  if (module.loginModule !== LOGIN_MODULES[m])
    throw invalidOption(
      `${what}sasl.jaas.config`,
      `sasl.mechanism=${m} needs ${LOGIN_MODULES[m]}, got ${module.loginModule}`,
    );
  if (m === 'OAUTHBEARER') {
    const endpoint = props['sasl.oauthbearer.token.endpoint.url']?.trim();
    const { clientId, clientSecret, scope } = module.options;
    if (!endpoint)
      throw invalidOption(
        `${what}sasl.oauthbearer.token.endpoint.url`,
        'is required with OAUTHBEARER: Outflow gets tokens by the client-credentials grant (unsecured tokens are not supported)',
      );
    if (clientId === undefined || clientSecret === undefined)
      throw invalidOption(`${what}sasl.jaas.config`, 'OAUTHBEARER needs clientId="…" and clientSecret="…"');
    return {
      mechanism: 'OAUTHBEARER',
      token: clientCredentialsToken({
        endpoint,
        clientId,
        clientSecret,
        ...(scope === undefined ? {} : { scope }),
      }),
    };
  }
  const { username, password } = module.options;
  if (username === undefined || password === undefined)
    throw invalidOption(`${what}sasl.jaas.config`, 'needs username="…" and password="…"');
  return { mechanism: m as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password };
}

/**
 * The subset of `props` that are Kafka client security properties (after `prefix`, which is removed), e.g.
 * `producer.security.protocol` → `security.protocol` for prefix `producer.`.
 */
export function securityProperties(
  props: Readonly<Record<string, string>>,
  prefix = '',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    if (!k.startsWith(prefix)) continue;
    const name = k.slice(prefix.length);
    if (SECURITY_PROPERTY_NAMES.includes(name)) out[name] = v;
  }
  return out;
}

/**
 * Kafka client properties from environment variables in the Confluent images' spelling: `KAFKA_` + the
 * name upper-cased with dots as underscores (`KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_JAAS_CONFIG`,
 * `KAFKA_SSL_TRUSTSTORE_LOCATION`, …).
 */
export function securityPropertiesFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SECURITY_PROPERTY_NAMES) {
    const value = env[`KAFKA_${name.toUpperCase().replace(/\./g, '_')}`];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
