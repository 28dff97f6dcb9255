/**
 * ID tokens of the service account this instance runs as, for calling another function (Cloud Run's IAM wants
 * one minted for that function's URL). Cloud Run's metadata server mints them; each is kept until five minutes
 * before it expires, so a busy instance asks once an hour per audience, not once per call.
 */
export type IdentityTokens = (audience: string) => Promise<string>;

export const METADATA_HOST = 'metadata.google.internal';
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

export function createMetadataIdentityTokens(options: { host?: string; fetchTimeoutMs?: number } = {}): IdentityTokens {
  const host = options.host ?? METADATA_HOST;
  const cache = new Map<string, { token: string; refreshAt: number }>();
  return async (audience) => {
    const cached = cache.get(audience);
    if (cached && Date.now() < cached.refreshAt) return cached.token;
    const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(audience)}&format=full`;
    const response = await fetch(url, { headers: { 'Metadata-Flavor': 'Google' }, signal: AbortSignal.timeout(options.fetchTimeoutMs ?? 5_000) });
    if (!response.ok) throw new Error(`The metadata server answered ${response.status} for an identity token`);
    const token = (await response.text()).trim();
    cache.set(audience, { token, refreshAt: expiryOf(token) - REFRESH_BEFORE_EXPIRY_MS });
    return token;
  };
}

/** When the token expires (ms): read from its payload, which the metadata server signed; unreadable means now. */
function expiryOf(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now();
  } catch {
    return Date.now();
  }
}
