import { join } from 'node:path';
import { upsertScramCredential } from '@outflow/kafka';
import type { InfraConfig } from './config.ts';
import { InfraError } from './errors.ts';
import { ensureCertificateAuthority, type IssuedCertificate, issueCertificate } from './tls.ts';

/** The SCRAM user of the local broker's SASL_SSL listener. */
export const KAFKA_SASL_USER = 'outflow';
/** Its password: a well-known development secret, like the databases' `outflow`. */
export const KAFKA_SASL_PASSWORD = 'outflow-secret';

/** Folder of the local CA (`ca.pem`) and the broker's certificate; the databases use the same CA. */
export function localTlsDir(config: InfraConfig): string {
  return join(config.dataDir, 'kafka', 'tls');
}

/** The local CA's certificate file, created on first start: what a client trusts (`ssl.truststore.location`). */
export function localCaFile(config: InfraConfig): string {
  return join(localTlsDir(config), 'ca.pem');
}

let issuing: Promise<unknown> = Promise.resolve();

/**
 * The CA (created on first use) and a certificate for `name` valid for localhost and 127.0.0.1. Calls are
 * serialised: the services start in parallel and must not each create a CA of their own.
 */
export function localServerCertificate(config: InfraConfig, name: string): Promise<IssuedCertificate> {
  const dir = localTlsDir(config);
  const next = issuing.then(async () =>
    issueCertificate(await ensureCertificateAuthority(dir), dir, name, ['localhost', '127.0.0.1']),
  );
  issuing = next.catch(() => undefined);
  return next;
}

/** The broker properties of the SASL_SSL listener (appended to server.properties). */
export function saslListenerProperties(keystoreFile: string): string[] {
  return [
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${keystoreFile}`,
  ];
}

/** What a client sets to use the SASL_SSL listener (Kafka's property names). */
export function saslClientProperties(config: InfraConfig): Record<string, string> {
  return {
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${KAFKA_SASL_USER}" password="${KAFKA_SASL_PASSWORD}";`,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': localCaFile(config),
  };
}

/** Creates (or resets) the SCRAM-SHA-512 credential of {@link KAFKA_SASL_USER} through the PLAINTEXT listener. */
export async function upsertScramUser(config: InfraConfig): Promise<void> {
  try {
    await upsertScramCredential(`127.0.0.1:${config.kafkaPort}`, KAFKA_SASL_USER, KAFKA_SASL_PASSWORD);
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    throw new InfraError(
      'INFRA_START_FAILED',
      `kafka: could not create the SCRAM user ${KAFKA_SASL_USER}: ${cause?.message ?? (error as Error).message}`,
      { details: { service: 'kafka' }, cause: error },
    );
  }
}
