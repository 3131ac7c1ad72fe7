import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureCertificateAuthority, issueCertificate } from '@outflow/infra';
import { eventRouterPlugin } from '@outflow/transforms';
import { createPluginRegistry } from '../src/plugins.ts';
import { type RunningRelay, startRelay } from '../src/relay.ts';
import { fakeMySqlPlugin } from './fakes.ts';

const dir = mkdtempSync(join(tmpdir(), 'outflow-rest-https-'));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request with the given client TLS material; rejects with the TLS error when the handshake fails. */
function call(
  url: string,
  options: {
    ca?: string;
    cert?: string;
    key?: string;
    auth?: string;
    method?: string;
    body?: string;
    type?: string;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.cert === undefined ? {} : { cert: options.cert, key: options.key }),
        headers: {
          ...(options.auth === undefined
            ? {}
            : { authorization: `Basic ${Buffer.from(options.auth).toString('base64')}` }),
          ...(options.type === undefined ? {} : { 'content-type': options.type }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('REST API over HTTPS with client certificates and basic auth', () => {
  let relay: RunningRelay;
  let ca: string;
  let client: { cert: string; key: string };
  let stranger: { cert: string; key: string };

  before(async () => {
    const authority = await ensureCertificateAuthority(join(dir, 'ca'));
    const server = await issueCertificate(authority, join(dir, 'ca'), 'relay', ['localhost', '127.0.0.1']);
    const clientCert = await issueCertificate(authority, join(dir, 'ca'), 'operator', ['operator']);
    const otherCa = await ensureCertificateAuthority(join(dir, 'other'), 'Some other CA');
    const strangerCert = await issueCertificate(otherCa, join(dir, 'other'), 'stranger', ['stranger']);
    ca = readFileSync(authority.certFile, 'utf8');
    client = {
      cert: readFileSync(clientCert.certFile, 'utf8'),
      key: readFileSync(clientCert.keyFile, 'utf8'),
    };
    stranger = {
      cert: readFileSync(strangerCert.certFile, 'utf8'),
      key: readFileSync(strangerCert.keyFile, 'utf8'),
    };
    const credentials = join(dir, 'credentials.properties');
    writeFileSync(credentials, 'admin: admin-pw\n');
    relay = await startRelay({
      workerProperties: {
        listeners: 'https://0.0.0.0:0',
        'listeners.https.ssl.keystore.type': 'PEM',
        'listeners.https.ssl.keystore.location': server.keystoreFile,
        'listeners.https.ssl.truststore.type': 'PEM',
        'listeners.https.ssl.truststore.location': authority.certFile,
        'listeners.https.ssl.client.auth': 'required',
        'rest.basic.auth.credentials.file': credentials,
        'config.storage.file.filename': join(dir, 'configs.json'),
        'offset.storage.file.filename': join(dir, 'offsets.json'),
        'log.level': 'warn',
      },
      env: {},
      plugins: createPluginRegistry({ connectors: [fakeMySqlPlugin], transforms: [eventRouterPlugin] }),
      logDestination: { write: () => true } as unknown as NodeJS.WritableStream,
    });
  });
  after(async () => {
    await relay?.close();
  });

  it('reports the address actually bound, with its scheme', () => {
    assert.match(relay.url, /^https:\/\/0\.0\.0\.0:\d+$/);
  });

  const local = () => relay.url.replace('0.0.0.0', 'localhost');

  it('answers 200 with a trusted client certificate and credentials; 401 without credentials', async () => {
    const ok = await call(`${local()}/connectors`, { ca, ...client, auth: 'admin:admin-pw' });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), []);
    const anonymous = await call(`${local()}/connectors`, { ca, ...client });
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm="KafkaConnect"/);
    const wrong = await call(`${local()}/connectors`, { ca, ...client, auth: 'admin:nope' });
    assert.equal(wrong.status, 401);
    const text = await call(`${local()}/connectors`, {
      ca,
      ...client,
      auth: 'admin:admin-pw',
      method: 'POST',
      type: 'text/plain',
      body: '{"name":"x","config":{}}',
    });
    assert.equal(text.status, 415);
  });

  it('refuses a client without a certificate, or with one from another CA', async () => {
    await assert.rejects(
      call(`${local()}/connectors`, { ca, auth: 'admin:admin-pw' }),
      (e: NodeJS.ErrnoException) => /certificate|ECONNRESET|socket hang up/i.test(`${e.code} ${e.message}`),
    );
    await assert.rejects(
      call(`${local()}/connectors`, { ca, ...stranger, auth: 'admin:admin-pw' }),
      (e: NodeJS.ErrnoException) =>
        /certificate|ECONNRESET|socket hang up|unknown ca/i.test(`${e.code} ${e.message}`),
    );
  });

  it('is refused by a client that does not trust its CA', async () => {
    await assert.rejects(
      call(`${local()}/connectors`, { ...client, auth: 'admin:admin-pw' }),
      (e: NodeJS.ErrnoException) =>
        /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/.test(
          String(e.code),
        ),
    );
  });
});

describe("REST API over HTTPS with Connect's JAAS file and the worker's ssl.* keystore", () => {
  let relay: RunningRelay;
  let ca: string;

  before(async () => {
    const authority = await ensureCertificateAuthority(join(dir, 'jaas-ca'));
    const server = await issueCertificate(authority, join(dir, 'jaas-ca'), 'relay', [
      'localhost',
      '127.0.0.1',
    ]);
    ca = readFileSync(authority.certFile, 'utf8');
    const credentials = join(dir, 'connect.password');
    writeFileSync(credentials, 'connect-user: connect-pw\n');
    const jaas = join(dir, 'rest-jaas.conf');
    writeFileSync(
      jaas,
      `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${credentials}";\n};\n`,
    );
    relay = await startRelay({
      workerProperties: {
        listeners: 'https://127.0.0.1:0',
        // No listeners.https.* here: Connect then takes the worker's ssl.* for the listener.
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': server.keystoreFile,
        'rest.extension.classes':
          'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
        'config.storage.file.filename': join(dir, 'jaas-configs.json'),
        'offset.storage.file.filename': join(dir, 'jaas-offsets.json'),
        'log.level': 'warn',
      },
      env: { KAFKA_OPTS: `-Djava.security.auth.login.config=${jaas}` },
      plugins: createPluginRegistry({ connectors: [fakeMySqlPlugin], transforms: [eventRouterPlugin] }),
      logDestination: { write: () => true } as unknown as NodeJS.WritableStream,
    });
  });
  after(async () => {
    await relay?.close();
  });

  it('answers 401 without or with wrong credentials, 200 with those of the credentials file', async () => {
    assert.match(relay.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const none = await call(`${relay.url}/connectors`, { ca });
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Basic /);
    assert.equal((await call(`${relay.url}/connectors`, { ca, auth: 'connect-user:nope' })).status, 401);
    const ok = await call(`${relay.url}/connectors`, { ca, auth: 'connect-user:connect-pw' });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), []);
  });
});
