/**
 * `DATABASE_URL` with the drivers' usual TLS parameters, against the local MariaDB and PostgreSQL, which serve
 * TLS with the CA `npm run infra -- up` made: the session is encrypted and the certificate verified.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureCertificateAuthority, loadConfig, localCaFile } from '@outflow/infra';
import { host, mariadbUrl, postgresUrl } from '@outflow/testing';
import {
  connectPool,
  DatabaseUnavailableError,
  type SqlPool,
  selectMysqlRows,
  selectPostgresRows,
} from '../src/index.ts';

const ca = localCaFile(loadConfig());
const pools: SqlPool[] = [];
after(async () => {
  for (const pool of pools) await pool.close();
});

describe('DATABASE_URL TLS parameters', () => {
  it('mysql://…?ssl-mode=VERIFY_IDENTITY&ssl-ca=… opens an encrypted, verified session', async () => {
    const pool = connectPool(
      `${mariadbUrl('mysql')}?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(ca)}`,
    );
    pools.push(pool);
    const rows = await pool.transaction((tx) =>
      selectMysqlRows<{ Value: string }>(tx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'"),
    );
    assert.notEqual(rows[0]?.Value ?? '', '', `the session is not encrypted (host ${host})`);
  });

  it('postgres://…?sslmode=verify-full&sslrootcert=… opens an encrypted, verified session', async () => {
    const pool = connectPool(`${postgresUrl()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`);
    pools.push(pool);
    const rows = await pool.transaction((tx) =>
      selectPostgresRows<{ ssl: boolean }>(tx, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'),
    );
    assert.equal(rows[0]?.ssl, true);
  });

  it('a CA that did not sign the server certificate is refused, a missing CA file at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outflow-kit-'));
    const other = await ensureCertificateAuthority(join(dir, 'ca'), 'Other');
    const url = `${mariadbUrl('mysql')}?ssl-mode=VERIFY_CA&ssl-ca=`;
    const pool = connectPool(url + encodeURIComponent(other.certFile));
    pools.push(pool);
    // The pool reports it as the database being unavailable (a 503 for the service's callers).
    await assert.rejects(
      pool.transaction((tx) => selectMysqlRows(tx, 'SELECT 1')),
      DatabaseUnavailableError,
    );
    assert.throws(() => connectPool(`${url}/nonexistent/ca.pem`), /ENOENT/);
  });
});
