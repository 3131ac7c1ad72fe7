/**
 * An OAUTHBEARER token provider for the OAuth 2 client-credentials grant, as Kafka's
 * `OAuthBearerLoginCallbackHandler` (KIP-768) gets one: `POST sasl.oauthbearer.token.endpoint.url` with
 * `grant_type=client_credentials` (and `scope`), the client id and secret as HTTP basic credentials. The
 * token is reused until 80 % of its `expires_in` has passed; a failure names the endpoint and the status,
 * never the secret.
 */
export function clientCredentialsToken(options: {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string;
  readonly timeoutMs?: number;
}): () => Promise<string> {
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.scope) body.set('scope', options.scope);
    const basic = Buffer.from(
      `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
    ).toString('base64');
    let res: Response;
    try {
      res = await fetch(options.endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new Error(`sasl.oauthbearer.token.endpoint.url ${options.endpoint}: ${(error as Error).message}`);
    }
    if (!res.ok)
      throw new Error(
        `sasl.oauthbearer.token.endpoint.url ${options.endpoint} answered ${res.status}: check clientId and clientSecret in sasl.jaas.config`,
      );
    const answer = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    if (typeof answer.access_token !== 'string' || answer.access_token === '')
      throw new Error(
        `sasl.oauthbearer.token.endpoint.url ${options.endpoint} answered without an access_token`,
      );
    const lifetimeMs = typeof answer.expires_in === 'number' ? answer.expires_in * 1000 : 60_000;
    cached = { token: answer.access_token, renewAt: Date.now() + lifetimeMs * 0.8 };
    return answer.access_token;
  };
  return () => {
    if (cached !== undefined && Date.now() < cached.renewAt) return Promise.resolve(cached.token);
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
