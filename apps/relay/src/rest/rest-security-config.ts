import { readFileSync } from 'node:fs';
import { parseJaasFile, readPemMaterial } from '@outflow/kafka';
import { ConfigError, type ConfigKey } from '@outflow/relay-core';
import { parseProperties } from '../properties.ts';

/** Connect's basic-auth REST extension; the only `rest.extension.classes` entry Outflow knows. */
export const BASIC_AUTH_EXTENSION =
  'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
/** The login module Connect's JAAS file names; its `file` option is the credentials file. */
export const PROPERTY_FILE_LOGIN_MODULE =
  'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule';
/** The JAAS section Connect's extension reads (its realm is hard-coded to this name). */
export const JAAS_SECTION = 'KafkaConnect';

const LISTENER_SSL = 'listeners.https.';

/** The REST API's security properties (Kafka Connect's `RestServerConfig` names, plus one of Outflow's). */
export const restSecurityKeys: readonly ConfigKey[] = [
  {
    name: 'rest.extension.classes',
    type: 'list',
    default: [],
    description: `REST extensions, as Connect names them. Only \`${BASIC_AUTH_EXTENSION}\` is known: HTTP basic authentication with the credentials file that the \`${JAAS_SECTION}\` section of the JAAS file names (\`${PROPERTY_FILE_LOGIN_MODULE} required file="…";\`). The JAAS file is found as Connect finds it: \`-Djava.security.auth.login.config=<path>\` in \`KAFKA_OPTS\`.`,
    validate: (v) => {
      const unknown = (v as string[]).filter((c) => c !== BASIC_AUTH_EXTENSION);
      return unknown.length === 0 ? undefined : `unknown REST extension ${unknown.join(', ')}`;
    },
  },
  {
    name: 'rest.basic.auth.credentials.file',
    type: 'string',
    default: null,
    description:
      'Outflow: HTTP basic authentication without JAAS. A properties file of `user: password` lines (the same file as Connect\'s `PropertyFileLoginModule` reads). Every request (`/metrics` included) then needs valid credentials; a wrong or missing one is a 401 with `WWW-Authenticate: Basic realm="KafkaConnect"`.',
  },
  {
    name: 'access.control.allow.origin',
    type: 'string',
    default: '',
    description:
      'Origins allowed to call the REST API from a browser (comma-separated, `*` for any). Empty: no CORS headers, and a request whose `Origin` is another site is refused with 403 unless it only reads.',
  },
  {
    name: 'access.control.allow.methods',
    type: 'string',
    default: '',
    description:
      'Methods allowed cross-origin when `access.control.allow.origin` is set (default `GET,POST,HEAD`).',
  },
  {
    name: 'ssl.client.auth',
    type: 'string',
    default: 'none',
    oneOf: ['none', 'requested', 'required'],
    description:
      'HTTPS listener: ask clients for a certificate signed by the truststore (`requested`) or refuse those without one (`required`).',
  },
  {
    name: `${LISTENER_SSL}ssl.client.auth`,
    type: 'string',
    default: null,
    oneOf: ['none', 'requested', 'required'],
    description: 'Overrides `ssl.client.auth` for the HTTPS listener.',
  },
  ...[
    [
      'ssl.keystore.type',
      'string',
      '`PEM`, the only type (JKS/PKCS12 stores are refused with the command that converts them).',
    ],
    ['ssl.keystore.location', 'string', 'A PEM file with the private key and its certificate chain.'],
    [
      'ssl.keystore.certificate.chain',
      'string',
      'The certificate chain as PEM text, with `ssl.keystore.key`, instead of a file.',
    ],
    ['ssl.keystore.key', 'password', 'The private key as PEM text, with `ssl.keystore.certificate.chain`.'],
    ['ssl.key.password', 'password', 'Decrypts an encrypted PEM private key.'],
    ['ssl.truststore.type', 'string', '`PEM`, the only type.'],
    [
      'ssl.truststore.location',
      'string',
      'A PEM file of the CAs that sign client certificates (`ssl.client.auth`).',
    ],
    ['ssl.truststore.certificates', 'string', 'The CAs that sign client certificates, as PEM text.'],
  ].map(
    ([name, type, description]): ConfigKey => ({
      name: LISTENER_SSL + name,
      type: type as 'string' | 'password',
      default: null,
      description: `HTTPS listener (wins over the worker's \`${name}\`): ${description}`,
    }),
  ),
];

/** What the REST API's security properties configure. */
export interface RestSecurity {
  /** Present for an `https://` listener: the server's TLS options. */
  readonly https: {
    readonly key: string;
    readonly cert: string;
    readonly ca?: string;
    readonly passphrase?: string;
    readonly requestCert: boolean;
    readonly rejectUnauthorized: boolean;
  } | null;
  /** user → password; null = no authentication. */
  readonly credentials: ReadonlyMap<string, string> | null;
  /** Allowed origins (`*` = any); empty = no CORS. */
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
}

/**
 * Reads the REST API's security from the parsed worker values and the raw properties. `env` gives
 * `KAFKA_OPTS`, where Connect users put `-Djava.security.auth.login.config=<path>`. Throws a ConfigError
 * naming the property (or variable) at fault.
 */
export function loadRestSecurity(
  values: Readonly<Record<string, unknown>>,
  props: Readonly<Record<string, string>>,
  scheme: 'http' | 'https',
  env: Readonly<Record<string, string | undefined>>,
): RestSecurity {
  const fail = (property: string, message: string): never => {
    throw new ConfigError([{ property, message }]);
  };
  let https: RestSecurity['https'] = null;
  if (scheme === 'https') {
    // Connect: a `listeners.https.ssl.*` property wins over the worker's `ssl.*` one.
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) if (k.startsWith('ssl.')) merged[k] = v;
    for (const [k, v] of Object.entries(props))
      if (k.startsWith(LISTENER_SSL)) merged[k.slice(LISTENER_SSL.length)] = v;
    let pem: ReturnType<typeof readPemMaterial>;
    try {
      pem = readPemMaterial(merged);
    } catch (error) {
      return fail(`${LISTENER_SSL}ssl.keystore`, (error as Error).message);
    }
    if (pem.key === undefined || pem.cert === undefined)
      return fail(
        'listeners',
        'an https:// listener needs ssl.keystore.location (PEM key + certificate chain)',
      );
    const clientAuth = String(values[`${LISTENER_SSL}ssl.client.auth`] ?? values['ssl.client.auth']);
    if (clientAuth !== 'none' && pem.ca === undefined)
      return fail(
        'ssl.client.auth',
        `${clientAuth} needs ssl.truststore.location: the CAs of the client certificates`,
      );
    https = {
      key: pem.key,
      cert: pem.cert,
      ...(pem.ca === undefined ? {} : { ca: pem.ca }),
      ...(pem.passphrase === undefined ? {} : { passphrase: pem.passphrase }),
      requestCert: clientAuth !== 'none',
      rejectUnauthorized: clientAuth === 'required',
    };
  }
  let credentials: Map<string, string> | null = null;
  const nativeFile = values['rest.basic.auth.credentials.file'] as string | null;
  if (nativeFile !== null && nativeFile !== '')
    credentials = readCredentials(nativeFile, 'rest.basic.auth.credentials.file');
  if ((values['rest.extension.classes'] as string[]).includes(BASIC_AUTH_EXTENSION)) {
    const file = jaasCredentialsFile(env);
    const fromJaas = readCredentials(file, `${JAAS_SECTION} section's file`);
    credentials = new Map([...(credentials ?? []), ...fromJaas]);
  }
  const origins = String(values['access.control.allow.origin'])
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const methods = String(values['access.control.allow.methods'])
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  return {
    https,
    credentials,
    allowOrigins: origins,
    allowMethods: methods.length > 0 ? methods : ['GET', 'POST', 'HEAD'],
  };
}

/** The JAAS file as Connect finds it (`java.security.auth.login.config` in `KAFKA_OPTS`), then its file. */
function jaasCredentialsFile(env: Readonly<Record<string, string | undefined>>): string {
  const opts = env.KAFKA_OPTS ?? '';
  const path = /(?:^|\s)-Djava\.security\.auth\.login\.config==?("([^"]*)"|(\S+))/.exec(opts);
  const jaasPath = path?.[2] ?? path?.[3];
  if (jaasPath === undefined)
    throw new ConfigError([
      {
        property: 'rest.extension.classes',
        message: `${BASIC_AUTH_EXTENSION} needs a JAAS file: set KAFKA_OPTS="-Djava.security.auth.login.config=/path/to/jaas.conf"`,
      },
    ]);
  let text: string;
  try {
    text = readFileSync(jaasPath, 'utf8');
  } catch (error) {
    throw new ConfigError([
      {
        property: 'KAFKA_OPTS',
        message: `cannot read the JAAS file ${jaasPath}: ${(error as Error).message}`,
      },
    ]);
  }
  let sections: ReturnType<typeof parseJaasFile>;
  try {
    sections = parseJaasFile(text, jaasPath);
  } catch (error) {
    throw new ConfigError([{ property: 'KAFKA_OPTS', message: (error as Error).message }]);
  }
  const module = sections
    .find((s) => s.name === JAAS_SECTION)
    ?.modules.find((m) => m.loginModule === PROPERTY_FILE_LOGIN_MODULE);
  const file = module?.options.file;
  if (file === undefined)
    throw new ConfigError([
      {
        property: 'KAFKA_OPTS',
        message: `${jaasPath} has no ${JAAS_SECTION} { ${PROPERTY_FILE_LOGIN_MODULE} required file="…"; }; section`,
      },
    ]);
  return file;
}

/** Reads a `user: password` properties file; an empty one is refused (it would lock everyone out). */
function readCredentials(path: string, property: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ property, message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
  const users = new Map(Object.entries(parseProperties(text)));
  if (users.size === 0)
    throw new ConfigError([{ property, message: `${path} holds no user: password line` }]);
  return users;
}
