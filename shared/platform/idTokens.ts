import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

/**
 * Verifies the Google-signed OIDC ID tokens that Pub/Sub push (and callers
 * of the history API) send as `Authorization: Bearer <token>`: RS256 only,
 * against Google's published keys (fetched once, cached, refetched when a
 * token names a key we do not have, i.e. after rotation), issuer
 * accounts.google.com, one of the configured audiences (never one the
 * request names), a lifetime no longer than Google's hour and not issued in
 * the future (a token minted with a clock years ahead would otherwise live
 * that long), expiry with a small skew, and, where emails are configured, a
 * verified email among them.
 *
 * A second lock behind Cloud Run's IAM check, not a replacement for it.
 */

export const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
export const GOOGLE_CERTS_URL = 'https://www.googleapis.com/oauth2/v3/certs';

export type TokenCheck =
  | { ok: true; email: string }
  /** 401: no usable token; 403: a valid token of someone not allowed; 503: the keys could not be fetched (retry). */
  | { ok: false; status: 401 | 403 | 503; reason: string };

/** Google's ID tokens live one hour (`exp - iat` = 3600 s). */
export const GOOGLE_TOKEN_LIFETIME_SECONDS = 3600;

export interface IdTokenVerifierOptions {
  /**
   * Emails whose tokens are accepted (the push service account; the history API's callers); empty accepts any
   * verified email (readers that are groups or domains, whom Cloud Run's IAM check has let through).
   */
  allowedEmails: string[];
  /** What a token's `aud` must be: this function's URLs, from configuration. */
  audiences: string[];
  /** Where Google's signing keys are published (a JWKS); tests point it at their own. */
  certsUrl: string;
  clockToleranceSeconds?: number;
  fetchTimeoutMs?: number;
  /** After a token names an unknown key, the keys are refetched at most this often. */
  refetchCooldownMs?: number;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

export function createIdTokenVerifier(options: IdTokenVerifierOptions) {
  const keys = createRemoteJWKSet(new URL(options.certsUrl), {
    timeoutDuration: options.fetchTimeoutMs ?? 5_000,
    // A token with an unknown key id triggers a refetch, at most this often.
    cooldownDuration: options.refetchCooldownMs ?? 30_000,
    cacheMaxAge: 6 * 60 * 60 * 1000,
  });
  if (options.audiences.length === 0) throw new Error('An ID token verifier needs the audiences it accepts: refusing to accept any');
  const allowed = new Set(options.allowedEmails.map((email) => email.toLowerCase()));
  const skew = options.clockToleranceSeconds ?? 60;

  return async function verify(authorization: string | string[] | undefined): Promise<TokenCheck> {
    if (authorization === undefined) return unauthorized('The request has no Authorization header');
    if (Array.isArray(authorization)) return unauthorized('The request has more than one Authorization header');
    const match = BEARER.exec(authorization);
    if (!match) return unauthorized('The Authorization header is not "Bearer <JWT>"');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1]!, keys, {
        algorithms: ['RS256'],
        issuer: GOOGLE_ISSUERS,
        audience: options.audiences,
        clockTolerance: skew,
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      return classify(error);
    }
    const lifetime = lifetimeProblem(payload, skew);
    if (lifetime) return unauthorized(lifetime);
    const email = typeof payload['email'] === 'string' ? payload['email'] : undefined;
    if (!email) return unauthorized('The token carries no email');
    if (payload['email_verified'] !== true) return unauthorized('The token\'s email is not verified');
    if (allowed.size > 0 && !allowed.has(email.toLowerCase())) return { ok: false, status: 403, reason: `${email} is not allowed to call this function` };
    return { ok: true, email };
  };
}

/** A token issued in the future, or living longer than Google's, was not minted by Google for this call. */
function lifetimeProblem(payload: JWTPayload, skew: number): string | undefined {
  const issuedAt = Number(payload.iat);
  const expiresAt = Number(payload.exp);
  if (!Number.isFinite(issuedAt) || !Number.isFinite(expiresAt)) return 'The token\'s iat and exp claims must be numbers';
  if (issuedAt > Date.now() / 1000 + skew) return 'The token\'s iat claim is in the future';
  if (expiresAt - issuedAt > GOOGLE_TOKEN_LIFETIME_SECONDS + skew) return `The token lives longer than Google's ${GOOGLE_TOKEN_LIFETIME_SECONDS} s`;
  return undefined;
}

function unauthorized(reason: string): TokenCheck {
  return { ok: false, status: 401, reason };
}

/** Our keys problem (could not fetch them) is 503 so the caller retries; anything wrong with the token is 401. */
function classify(error: unknown): TokenCheck {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
    return { ok: false, status: 503, reason: 'Google\'s signing keys could not be fetched; retry later' };
  }
  if (error instanceof errors.JWTExpired) return unauthorized('The token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) return unauthorized(`The token's ${error.claim} claim is not acceptable (${error.reason})`);
  if (error instanceof errors.JOSEAlgNotAllowed) return unauthorized('The token is not signed with RS256');
  if (error instanceof errors.JWKSNoMatchingKey) return unauthorized('The token is signed with a key Google does not publish');
  if (error instanceof errors.JWSSignatureVerificationFailed) return unauthorized('The token\'s signature does not verify');
  return unauthorized('The token is malformed');
}
