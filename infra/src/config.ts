import { resolve } from 'node:path';
import { InfraError } from './errors.ts';

/** The services `npm run infra` manages, in the order they are reported. */
export const SERVICES = ['mariadb', 'postgres', 'kafka'] as const;
/** Name of one managed service. */
export type ServiceName = (typeof SERVICES)[number];

/** Resolved settings of the local infrastructure. */
export interface InfraConfig {
  /** Absolute folder holding every service's data, logs, sockets and pid files. */
  readonly dataDir: string;
  readonly mariadbPort: number;
  readonly postgresPort: number;
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  /** Port of Kafka's second listener, SASL_SSL with SCRAM-SHA-512. */
  readonly kafkaSaslPort: number;
  readonly kafkaVersion: string;
}

interface EnvVar {
  readonly name: string;
  readonly key: keyof InfraConfig;
  readonly default: string;
  readonly description: string;
  readonly parse: (raw: string, name: string) => string | number;
}

/** Root of the repository (two levels above this file). */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

function port(raw: string, name: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 65535) {
    throw new InfraError('INFRA_CONFIG_INVALID', `${name}: expected a port from 1 to 65535, got "${raw}"`, {
      details: { variable: name, value: raw },
    });
  }
  return value;
}

function dir(raw: string): string {
  return resolve(repoRoot, raw);
}

function version(raw: string, name: string): string {
  if (!/^4\.\d+\.\d+$/.test(raw)) {
    throw new InfraError(
      'INFRA_CONFIG_INVALID',
      `${name}: expected a Kafka 4.x version such as 4.4.0, got "${raw}"`,
      {
        details: { variable: name, value: raw },
      },
    );
  }
  return raw;
}

/** Every environment variable the infrastructure reads: declared once, with default and description. */
export const ENV_VARS: readonly EnvVar[] = [
  {
    name: 'OUTFLOW_DATA_DIR',
    key: 'dataDir',
    default: '.data',
    description: 'Folder (relative to the repository root) for data, logs, sockets and pid files.',
    parse: dir,
  },
  {
    name: 'OUTFLOW_MARIADB_PORT',
    key: 'mariadbPort',
    default: '3307',
    description: 'TCP port of the project MariaDB (127.0.0.1).',
    parse: port,
  },
  {
    name: 'OUTFLOW_POSTGRES_PORT',
    key: 'postgresPort',
    default: '5433',
    description: 'TCP port of the project PostgreSQL (127.0.0.1).',
    parse: port,
  },
  {
    name: 'OUTFLOW_KAFKA_PORT',
    key: 'kafkaPort',
    default: '9092',
    description: 'Kafka client (PLAINTEXT) port.',
    parse: port,
  },
  {
    name: 'OUTFLOW_KAFKA_CONTROLLER_PORT',
    key: 'kafkaControllerPort',
    default: '9093',
    description: 'Kafka KRaft controller port.',
    parse: port,
  },
  {
    name: 'OUTFLOW_KAFKA_SASL_PORT',
    key: 'kafkaSaslPort',
    default: '9094',
    description:
      'Kafka SASL_SSL (SCRAM-SHA-512) port: user `outflow`, password `outflow-secret`, CA `<data>/kafka/tls/ca.pem`.',
    parse: port,
  },
  {
    name: 'OUTFLOW_KAFKA_VERSION',
    key: 'kafkaVersion',
    default: '4.4.0',
    description: 'Apache Kafka release fetched from Maven Central (kafka_2.13).',
    parse: version,
  },
];

/**
 * Reads the configuration from `env`, applying defaults. A malformed value throws `INFRA_CONFIG_INVALID`
 * naming the variable; ports must also be distinct.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const values: Record<string, string | number> = {};
  for (const v of ENV_VARS) {
    const raw = env[v.name]?.trim();
    values[v.key] = v.parse(raw === undefined || raw === '' ? v.default : raw, v.name);
  }
  const config = values as unknown as InfraConfig;
  const ports: [string, number][] = [
    ['OUTFLOW_MARIADB_PORT', config.mariadbPort],
    ['OUTFLOW_POSTGRES_PORT', config.postgresPort],
    ['OUTFLOW_KAFKA_PORT', config.kafkaPort],
    ['OUTFLOW_KAFKA_CONTROLLER_PORT', config.kafkaControllerPort],
    ['OUTFLOW_KAFKA_SASL_PORT', config.kafkaSaslPort],
  ];
  for (const [name, value] of ports) {
    const clash = ports.find(([other, v]) => other !== name && v === value);
    if (clash) {
      throw new InfraError('INFRA_CONFIG_INVALID', `${name}: port ${value} is also used by ${clash[0]}`, {
        details: { variable: name, value },
      });
    }
  }
  return config;
}

/** Parses a `--only` list such as `mariadb,kafka`; an unknown name throws `INFRA_CONFIG_INVALID`. */
export function parseServices(list: string): ServiceName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!(SERVICES as readonly string[]).includes(name)) {
      throw new InfraError(
        'INFRA_CONFIG_INVALID',
        `--only: unknown service "${name}" (expected ${SERVICES.join(', ')})`,
        {
          details: { option: 'only', value: name },
        },
      );
    }
  }
  return names as ServiceName[];
}

/** The environment variable reference as a Markdown table (the one in infra/README.md; a test keeps them equal). */
export function envVarsMarkdown(): string {
  const rows = ENV_VARS.map((v) => `| \`${v.name}\` | \`${v.default}\` | ${v.description} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
