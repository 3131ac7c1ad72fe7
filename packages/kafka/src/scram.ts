import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { alterUserScramCredentialsV0, Connection, ScramMechanisms } from '@platformatic/kafka';
import { parseBootstrapServers } from './config.ts';
import { KafkaClientError } from './errors.ts';

const ITERATIONS = 8192;

/**
 * Creates or replaces a user's SCRAM credential on the cluster (Kafka's AlterUserScramCredentials, what
 * `kafka-configs --alter --add-config 'SCRAM-SHA-512=[password=…]'` sends). The salted password is computed
 * here as RFC 5802's Hi(): PBKDF2 with the mechanism's HMAC. `bootstrapServer` must accept the request
 * without authentication (a PLAINTEXT listener); a broker forwards it to the controller.
 */
export async function upsertScramCredential(
  bootstrapServer: string,
  user: string,
  password: string,
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' = 'SCRAM-SHA-512',
): Promise<void> {
  const [hostPort] = parseBootstrapServers(bootstrapServer, 'bootstrapServer');
  const at = hostPort!.lastIndexOf(':');
  const salt = randomBytes(32);
  const sha = mechanism === 'SCRAM-SHA-512' ? 'sha512' : 'sha256';
  const saltedPassword = pbkdf2Sync(password, salt, ITERATIONS, sha === 'sha512' ? 64 : 32, sha);
  const connection = new Connection('outflow-scram');
  try {
    await connection.connect(hostPort!.slice(0, at).replace(/^\[|\]$/g, ''), Number(hostPort!.slice(at + 1)));
    await alterUserScramCredentialsV0.api.async(
      connection,
      [],
      [
        {
          name: user,
          mechanism:
            mechanism === 'SCRAM-SHA-512' ? ScramMechanisms.SCRAM_SHA_512 : ScramMechanisms.SCRAM_SHA_256,
          iterations: ITERATIONS,
          salt,
          saltedPassword,
        },
      ],
    );
  } catch (error) {
    throw new KafkaClientError(
      'KAFKA_SCRAM_UPSERT_FAILED',
      `could not set the ${mechanism} credential of ${user}`,
      {
        cause: error,
        retriable: true,
        details: { user, mechanism },
      },
    );
  } finally {
    await new Promise<void>((resolve) => connection.close(() => resolve()));
  }
}
