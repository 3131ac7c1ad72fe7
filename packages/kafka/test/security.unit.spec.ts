import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  clientSecurity,
  KafkaClientError,
  parseJaasFile,
  parseJaasModules,
  securityPropertiesFromEnv,
} from '../src/index.ts';

const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const dir = mkdtempSync(join(tmpdir(), 'outflow-kafka-security-'));
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
writeFileSync(join(dir, 'ca.pem'), CERT);
writeFileSync(join(dir, 'client.pem'), KEY + CERT);
writeFileSync(join(dir, 'store.jks'), Buffer.from([0xfe, 0xed, 0xfe, 0xed]));

const rejectsOption = (fn: () => unknown, option: string, message?: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KafkaClientError);
    assert.equal(e.code, 'KAFKA_CONFIG_INVALID');
    assert.equal(e.details.option, option);
    if (message) assert.match(e.message, message);
    return true;
  });

describe('JAAS parsing (as Java writes it)', () => {
  it('reads a sasl.jaas.config line with quoted values, escapes and several options', () => {
    const [m] = parseJaasModules(`${SCRAM} required username="alice" password="p\\"w;x" extra=plain;`);
    assert.equal(m?.loginModule, SCRAM);
    assert.equal(m?.flag, 'required');
    assert.deepEqual(m?.options, { username: 'alice', password: 'p"w;x', extra: 'plain' });
  });

  it("reads Connect's JAAS file with comments, and names what is wrong without the value", () => {
    const sections = parseJaasFile(
      '/* rest */\nKafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="/etc/creds.properties"; // users\n};\n',
    );
    assert.equal(sections[0]?.name, 'KafkaConnect');
    assert.equal(sections[0]?.modules[0]?.options.file, '/etc/creds.properties');
    assert.throws(() => parseJaasModules(`${SCRAM} required password="secret-value"`), /missing ';'/);
    assert.throws(() => parseJaasModules(`${SCRAM} mandatory;`), /expected required/);
  });
});

describe('clientSecurity (Kafka client property names)', () => {
  it('is PLAINTEXT by default', () => {
    assert.deepEqual(clientSecurity({}), {});
  });

  it('builds SASL_SSL with SCRAM-SHA-512 and a PEM truststore', () => {
    const s = clientSecurity({
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': `${SCRAM} required username="outflow" password="outflow-secret";`,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': join(dir, 'ca.pem'),
    });
    assert.deepEqual(s.sasl, { mechanism: 'SCRAM-SHA-512', username: 'outflow', password: 'outflow-secret' });
    assert.equal(s.tls?.ca, CERT);
    assert.equal(s.tls?.checkServerIdentity, undefined);
  });

  it('reads a PEM keystore file (key + chain) for mutual TLS and turns host checks off on an empty algorithm', () => {
    const s = clientSecurity({
      'security.protocol': 'SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': join(dir, 'client.pem'),
      'ssl.endpoint.identification.algorithm': '',
    });
    assert.equal(s.tls?.key, KEY.trim());
    assert.equal(s.tls?.cert, CERT.trim());
    assert.equal(s.tls?.checkServerIdentity?.('x', {} as never), undefined);
    assert.equal(s.sasl, undefined);
  });

  it('names the property at fault, never quoting a password', () => {
    rejectsOption(() => clientSecurity({ 'security.protocol': 'TLS' }), 'security.protocol');
    rejectsOption(
      () => clientSecurity({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'GSSAPI' }),
      'sasl.mechanism',
    );
    rejectsOption(
      () => clientSecurity({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN' }),
      'sasl.jaas.config',
      /is required/,
    );
    rejectsOption(
      () =>
        clientSecurity({
          'security.protocol': 'SASL_SSL',
          'sasl.mechanism': 'PLAIN',
          'sasl.jaas.config': `${SCRAM} required username="u" password="hunter2";`,
        }),
      'sasl.jaas.config',
      /needs org\.apache\.kafka\.common\.security\.plain\.PlainLoginModule/,
    );
    assert.throws(
      () =>
        clientSecurity({
          'security.protocol': 'SASL_SSL',
          'sasl.mechanism': 'SCRAM-SHA-256',
          'sasl.jaas.config': `${SCRAM} required username="u" password="hunter2"`,
        }),
      (e: Error) => !e.message.includes('hunter2'),
    );
    rejectsOption(
      () =>
        clientSecurity({
          'security.protocol': 'SSL',
          'ssl.truststore.location': join(dir, 'store.jks'),
          'ssl.truststore.type': 'JKS',
        }),
      'ssl.truststore.type',
      /convert/,
    );
    rejectsOption(
      () => clientSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': join(dir, 'store.jks') }),
      'ssl.truststore.location',
      /not a PEM file/,
    );
    rejectsOption(() => clientSecurity({ 'ssl.protocol': 'TLSv1.3' }), 'ssl.protocol', /not a supported/);
  });

  it('reads KAFKA_* variables as the Confluent images spell them', () => {
    assert.deepEqual(
      securityPropertiesFromEnv({
        KAFKA_SECURITY_PROTOCOL: 'SSL',
        KAFKA_SSL_TRUSTSTORE_LOCATION: '/ca.pem',
        OTHER: 'x',
      }),
      { 'security.protocol': 'SSL', 'ssl.truststore.location': '/ca.pem' },
    );
  });
});

describe('OAUTHBEARER with the client-credentials grant', () => {
  const OAUTH = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

  it('gets a token from sasl.oauthbearer.token.endpoint.url with basic credentials, and reuses it', async () => {
    const requests: { auth: string | undefined; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        requests.push({ auth: req.headers.authorization, body });
        const ok = req.headers.authorization === `Basic ${Buffer.from('relay:s3cret').toString('base64')}`;
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(ok ? JSON.stringify({ access_token: `tok-${requests.length}`, expires_in: 3600 }) : '{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const props = (secret: string) => ({
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'OAUTHBEARER',
        'sasl.oauthbearer.token.endpoint.url': `http://127.0.0.1:${port}/token`,
        'sasl.jaas.config': `${OAUTH} required clientId="relay" clientSecret="${secret}" scope="kafka";`,
      });
      const sasl = clientSecurity(props('s3cret')).sasl;
      assert.equal(sasl?.mechanism, 'OAUTHBEARER');
      const token = (sasl as { token: () => Promise<string> }).token;
      assert.equal(await token(), 'tok-1');
      assert.equal(await token(), 'tok-1', 'reused until it nears expiry');
      assert.equal(requests.length, 1);
      assert.equal(new URLSearchParams(requests[0]!.body).get('grant_type'), 'client_credentials');
      assert.equal(new URLSearchParams(requests[0]!.body).get('scope'), 'kafka');
      const wrong = (clientSecurity(props('nope')).sasl as { token: () => Promise<string> }).token;
      await assert.rejects(
        wrong(),
        (e: Error) => /answered 401/.test(e.message) && !e.message.includes('nope'),
      );
    } finally {
      server.close();
    }
  });

  it('needs the token endpoint and the client credentials', () => {
    rejectsOption(
      () =>
        clientSecurity({
          'security.protocol': 'SASL_SSL',
          'sasl.mechanism': 'OAUTHBEARER',
          'sasl.jaas.config': `${OAUTH} required;`,
        }),
      'sasl.oauthbearer.token.endpoint.url',
    );
    rejectsOption(
      () =>
        clientSecurity({
          'security.protocol': 'SASL_SSL',
          'sasl.mechanism': 'OAUTHBEARER',
          'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/token',
          'sasl.jaas.config': `${OAUTH} required clientId="x";`,
        }),
      'sasl.jaas.config',
      /clientSecret/,
    );
  });
});
