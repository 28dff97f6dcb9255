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
  if (!SAFE_METHODS.has(request.method) && !isSameOriginOrNotBrowser(request.headers, policy.allowedOrigins)) {
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
 * `gcloud run services proxy` on localhost, which adds the person's token to whatever reaches it). Allowed:
 * - no Origin: browsers send Origin with every request that is not GET or HEAD, so its absence means a
 *   non-browser client (Pub/Sub, Cloud Scheduler, curl), which holds its own credentials and needs no forging;
 * - an Origin the operator trusts (CORS_ALLOWED_ORIGINS);
 * - an Origin whose host is the request's Host: the page came from this very function (the viewer). A browser
 *   sets both from the URLs it uses and a page cannot change either; Cloud Run routes by Host, so a request that
 *   reached this function names its host, and a proxy in front rewrites Host to it, so a page served by the proxy
 *   (or by a DNS-rebound name pointing at it) has another host than the one that arrives here.
 * Sec-Fetch-Site only refuses, never admits: a DNS-rebound page is "same-origin" to the browser but not to us.
 * `Origin: null` (sandboxed frames, file:, redirects across sites) has no host and is refused.
 */
export function isSameOriginOrNotBrowser(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  const fetchSite = headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return false;
  return headers.host !== undefined && hostOf(origin) === headers.host.toLowerCase();
}

function hostOf(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : undefined;
  } catch {
    return undefined;
  }
}
