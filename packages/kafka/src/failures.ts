/** Node's codes for a certificate chain that does not lead to a trusted CA. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** Every error in `error`'s chain: causes and the members of aggregated errors. */
function* chain(error: unknown, depth = 0): Generator<{ code?: unknown; message?: unknown }> {
  if (typeof error !== 'object' || error === null || depth > 12) return;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
  yield* chain(e.cause, depth + 1);
}

/**
 * Says, in one sentence naming the property to look at, why a Kafka connection failed when the cause is a
 * security setting (wrong credentials, an untrusted or misnamed certificate, TLS against a plaintext
 * listener); undefined for anything else. Clients retry such failures a few times before giving up, and the
 * reason is otherwise buried under "Cannot connect to any broker".
 */
export function explainConnectionFailure(error: unknown): string | undefined {
  for (const e of chain(error)) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (code === 'PLT_KFK_AUTHENTICATION' || /SASL authentication failed/i.test(message))
      return 'SASL authentication failed: the user name or password in sasl.jaas.config is wrong, or sasl.mechanism is not enabled on this listener';
    if (UNTRUSTED.has(code))
      return `the broker's TLS certificate is not signed by a trusted CA (${code}): set ssl.truststore.location (PEM) to the CA that signs it`;
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
      return `the broker's TLS certificate does not name the host connected to (${message}): use a host name the certificate lists in bootstrap.servers, or set ssl.endpoint.identification.algorithm= (empty) to skip this check`;
    if (code === 'CERT_HAS_EXPIRED') return "the broker's TLS certificate has expired";
    if (/TLS handshake failed|wrong version number|packet length too long/i.test(message))
      return 'the TLS handshake failed: this listener may not speak TLS (check security.protocol and the port)';
  }
  return undefined;
}
