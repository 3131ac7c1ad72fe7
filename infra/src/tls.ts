import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { InfraError, missing } from './errors.ts';
import { run, which } from './process.ts';

/** A certificate authority: its PEM certificate and private key files. */
export interface CertificateAuthority {
  readonly certFile: string;
  readonly keyFile: string;
}

/** An issued certificate: PEM files for the certificate, its key, and both in one (a Kafka PEM keystore). */
export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** Private key then certificate chain in one file (`ssl.keystore.type=PEM`, `ssl.keystore.location`). */
  readonly keystoreFile: string;
}

const DAYS = '3650';

async function openssl(args: readonly string[], what: string): Promise<void> {
  const path = which('openssl');
  if (path === undefined) throw missing('openssl', 'openssl');
  const r = await run(path, args);
  if (r.code !== 0)
    throw new InfraError(
      'INFRA_START_FAILED',
      `tls: openssl could not ${what}: ${(r.stderr || r.stdout).trim()}`,
      {
        details: { program: 'openssl' },
      },
    );
}

/**
 * The CA in `dir` (`ca.pem`, `ca.key`), created with openssl on first use and kept afterwards, so every
 * certificate issued from it on later starts is trusted by clients that already have `ca.pem`.
 */
export async function ensureCertificateAuthority(
  dir: string,
  name = 'Outflow local CA',
): Promise<CertificateAuthority> {
  const ca = { certFile: join(dir, 'ca.pem'), keyFile: join(dir, 'ca.key') };
  if (existsSync(ca.certFile) && existsSync(ca.keyFile)) return ca;
  mkdirSync(dir, { recursive: true });
  // Written under temporary names and renamed, so an interrupted run never leaves half a CA.
  const certTmp = `${ca.certFile}.tmp`;
  const keyTmp = `${ca.keyFile}.tmp`;
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyTmp,
      '-out',
      certTmp,
      '-days',
      DAYS,
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    'create the CA',
  );
  renameSync(keyTmp, ca.keyFile);
  renameSync(certTmp, ca.certFile);
  return ca;
}

/**
 * Issues `<dir>/<name>.pem`, `<name>.key` and `<name>-keystore.pem` signed by `ca`, for `hosts` (DNS names
 * and IP addresses, the first one also the common name); usable by servers and clients. Existing files are
 * kept.
 */
export async function issueCertificate(
  ca: CertificateAuthority,
  dir: string,
  name: string,
  hosts: readonly string[],
): Promise<IssuedCertificate> {
  const out = {
    certFile: join(dir, `${name}.pem`),
    keyFile: join(dir, `${name}.key`),
    keystoreFile: join(dir, `${name}-keystore.pem`),
  };
  if (existsSync(out.certFile) && existsSync(out.keyFile) && existsSync(out.keystoreFile)) return out;
  mkdirSync(dir, { recursive: true });
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  writeFileSync(
    ext,
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n${san === '' ? '' : `subjectAltName=${san}\n`}`,
  );
  try {
    await openssl(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        out.keyFile,
        '-out',
        csr,
        '-subj',
        `/CN=${hosts[0] ?? name}`,
      ],
      `create the key of ${name}`,
    );
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.certFile,
        '-CAkey',
        ca.keyFile,
        '-CAcreateserial',
        '-out',
        out.certFile,
        '-days',
        DAYS,
        '-extfile',
        ext,
      ],
      `sign the certificate of ${name}`,
    );
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  writeFileSync(out.keystoreFile, readFileSync(out.keyFile, 'utf8') + readFileSync(out.certFile, 'utf8'));
  return out;
}
