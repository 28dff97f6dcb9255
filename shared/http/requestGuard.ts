import type { IncomingHttpHeaders } from 'node:http';

/**
 * What a request may carry before anything reads it: the checks the guard (guardBeforeParsing.ts) runs on the
 * request line and headers alone, ahead of the Functions Framework's body parsers, which would otherwise inflate
 * and parse whatever arrives, on any method, for anyone. Pure: headers in, a refusal or nothing out.
 */
export interface RequestPolicy {
  /** The most body bytes a request may declare; 0 when the function reads no body at all. */
  maxBodyBytes: number;
  /** Browser origins trusted to change state (CORS_ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /** The origins of the function's own configured URLs (originsOf(AUTH_AUDIENCES)): where its viewer is served. */
  ownOrigins?: readonly string[];
}

export type GuardReason = 'cross_site' | 'content_encoding' | 'body_not_allowed' | 'length_required' | 'body_too_large';

export interface GuardRefusal {
  /** 400 as Google's APIs answer a payload they do not take (googleErrors.ts); 403 for another site's page. */
  status: 400 | 403;
  reason: GuardReason;
  message: string;
}

export interface RequestHead {
  method: string;
  headers: IncomingHttpHeaders;
}

/** Methods whose requests carry no body (RFC 9110 gives them no meaning); none of our functions reads one. */
const BODILESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);
/** Methods that only read: a page of another site may send them, CORS keeps it from reading the answer. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function checkRequestHead(request: RequestHead, policy: RequestPolicy): GuardRefusal | undefined {
  if (!SAFE_METHODS.has(request.method) && !isSameOriginOrNotBrowser(request.headers, policy)) {
    return { status: 403, reason: 'cross_site', message: 'A page of another site may not change state here' };
  }
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return { status: 400, reason: 'content_encoding', message: 'Content-Encoding is not accepted: send the body uncompressed' };
  }
  const declared = declaredBodyBytes(request.headers);
  if (declared === 0) return undefined;
  if (BODILESS_METHODS.has(request.method)) {
    return { status: 400, reason: 'body_not_allowed', message: `A ${request.method} request carries no body here` };
  }
  if (declared === undefined) {
    return { status: 400, reason: 'length_required', message: 'A request with a body must give its Content-Length' };
  }
  if (declared > policy.maxBodyBytes) {
    return {
      status: 400,
      reason: 'body_too_large',
      message: policy.maxBodyBytes === 0 ? 'This function reads no request body' : `The body is ${declared} bytes, over the ${policy.maxBodyBytes} bytes accepted`,
    };
  }
  return undefined;
}

/**
 * The body's length as the headers declare it: 0 for none, undefined when it is sent without a length (chunked).
 * Node's parser has already refused a malformed or doubled Content-Length, and Transfer-Encoding beside one.
 * Pub/Sub's pushes and Cloud Scheduler's POSTs give their length (or send no body), so no caller of ours needs chunked.
 */
export function declaredBodyBytes(headers: IncomingHttpHeaders): number | undefined {
  if (headers['transfer-encoding'] !== undefined) return undefined;
  const length = headers['content-length'];
  return length === undefined ? 0 : Number(length);
}

/**
 * Whether a state-changing request may be a forgery by another site's page (a DELETE sent from evil.example to
 * `gcloud run services proxy` on localhost, which adds the person's token to whatever reaches it). Checked only
 * against what is configured, never against the request's Host (a DNS-rebound name makes Origin and Host agree
 * on the attacker's name). Allowed:
 * - no Origin: browsers send Origin with every request that is not GET or HEAD, so its absence means a
 *   non-browser client (Pub/Sub, Cloud Scheduler, curl), which holds its own credentials and needs no forging;
 * - an Origin the operator trusts (CORS_ALLOWED_ORIGINS);
 * - the origin of one of the function's own configured URLs: its viewer, opened at its URL or a custom domain;
 * - a loopback origin (localhost, 127.0.0.1, [::1]): the viewer through `gcloud run services proxy` or
 *   `npm start`. A page there runs on the person's own machine, where any program can reach the proxy without
 *   a browser anyway; a DNS-rebound page keeps the attacker's name in its Origin, so it is not one.
 * Sec-Fetch-Site only refuses, never admits. `Origin: null` (sandboxed frames, file:) is refused.
 */
export function isSameOriginOrNotBrowser(headers: IncomingHttpHeaders, policy: Pick<RequestPolicy, 'allowedOrigins' | 'ownOrigins'>): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (policy.allowedOrigins.includes(origin)) return true;
  const fetchSite = headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return false;
  const normalized = originOf(origin);
  if (normalized === undefined) return false;
  return (policy.ownOrigins ?? []).includes(normalized) || LOOPBACK_HOSTNAMES.has(new URL(normalized).hostname);
}

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The origins of the http(s) URLs among a function's audiences (client IDs have none). */
export function originsOf(urls: readonly string[]): string[] {
  return urls.map(originOf).filter((origin): origin is string => origin !== undefined);
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
