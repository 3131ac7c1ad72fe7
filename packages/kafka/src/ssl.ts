import { readFileSync } from 'node:fs';
import { invalidOption } from './errors.ts';

/** The PEM material of Kafka's `ssl.*` properties, read and checked, ready for `node:tls`. */
export interface PemMaterial {
  /** Trusted CA certificates (`ssl.truststore.*`); absent = the system's CAs. */
  readonly ca?: string;
  /** Own certificate chain (`ssl.keystore.*`), for mutual TLS or a server. */
  readonly cert?: string;
  /** Own private key, PEM (PKCS#8 or traditional). */
  readonly key?: string;
  /** Decrypts an encrypted private key (`ssl.key.password`). */
  readonly passphrase?: string;
}

/** Kafka's `ssl.*` property names that {@link readPemMaterial} reads (after the caller's prefix). */
export const SSL_PROPERTY_NAMES: readonly string[] = [
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.certificates',
  'ssl.truststore.password',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.keystore.password',
  'ssl.key.password',
];

const BEGIN_CERT = '-----BEGIN CERTIFICATE-----';

/**
 * Reads Kafka's PEM stores from `props` (names after `prefix`, e.g. `listeners.https.` or ``): the
 * truststore from `ssl.truststore.location` (a PEM file of certificates) or `ssl.truststore.certificates`
 * (the PEM text), the keystore from `ssl.keystore.location` (one PEM file holding the private key and its
 * certificate chain) or `ssl.keystore.certificate.chain` + `ssl.keystore.key`. JKS and PKCS12 stores are
 * refused with the command that converts them. Throws `KAFKA_CONFIG_INVALID` naming the property at fault.
 */
export function readPemMaterial(props: Readonly<Record<string, string>>, prefix = ''): PemMaterial {
  const get = (name: string): string | undefined => {
    const v = props[prefix + name];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const out: { ca?: string; cert?: string; key?: string; passphrase?: string } = {};

  const trustLocation = get('ssl.truststore.location');
  const trustInline = get('ssl.truststore.certificates');
  if (trustLocation !== undefined || trustInline !== undefined) {
    checkPemType(props, `${prefix}ssl.truststore.type`, trustLocation);
    const text = trustInline ?? readPemFile(`${prefix}ssl.truststore.location`, trustLocation!);
    if (!text.includes(BEGIN_CERT))
      throw invalidOption(
        `${prefix}ssl.truststore.${trustInline === undefined ? 'location' : 'certificates'}`,
        'holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
      );
    out.ca = text;
  }

  const keyLocation = get('ssl.keystore.location');
  const chain = get('ssl.keystore.certificate.chain');
  const inlineKey = get('ssl.keystore.key');
  if (keyLocation !== undefined) {
    checkPemType(props, `${prefix}ssl.keystore.type`, keyLocation);
    const text = readPemFile(`${prefix}ssl.keystore.location`, keyLocation);
    const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/.exec(text)?.[0];
    if (key === undefined || !text.includes(BEGIN_CERT))
      throw invalidOption(
        `${prefix}ssl.keystore.location`,
        'a PEM keystore must hold the private key and its certificate chain',
      );
    out.key = key;
    out.cert = text.replace(key, '').trim();
  } else if (chain !== undefined || inlineKey !== undefined) {
    if (chain === undefined || inlineKey === undefined)
      throw invalidOption(
        `${prefix}ssl.keystore.${chain === undefined ? 'certificate.chain' : 'key'}`,
        'ssl.keystore.certificate.chain and ssl.keystore.key are set together',
      );
    out.cert = chain;
    out.key = inlineKey;
  }
  const passphrase = get('ssl.key.password') ?? get('ssl.keystore.password');
  if (out.key !== undefined && passphrase !== undefined && /ENCRYPTED/.test(out.key))
    out.passphrase = passphrase;
  return out;
}

/** PEM is the only store type: say how to convert a JKS or PKCS12 store rather than fail obscurely later. */
function checkPemType(
  props: Readonly<Record<string, string>>,
  typeProperty: string,
  location?: string,
): void {
  const type = props[typeProperty]?.trim().toUpperCase();
  if (type === undefined || type === '' || type === 'PEM') return;
  throw invalidOption(
    typeProperty,
    `${type} stores are not supported: set ${typeProperty}=PEM and convert the store, e.g. ` +
      `\`keytool -importkeystore -srckeystore ${location ?? 'store.jks'} -destkeystore store.p12 -deststoretype PKCS12\` ` +
      'then `openssl pkcs12 -in store.p12 -out store.pem -nodes`',
    type,
  );
}

function readPemFile(property: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalidOption(property, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  if (!text.includes('-----BEGIN '))
    throw invalidOption(
      property,
      `${path} is not a PEM file (JKS/PKCS12 stores must be converted to PEM, e.g. with openssl pkcs12 -nodes)`,
    );
  return text;
}
