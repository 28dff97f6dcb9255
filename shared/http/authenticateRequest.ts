import type { Request, Response } from '@google-cloud/functions-framework';
import * as logEvents from '../platform/logEvents';
import type { Logger } from '../platform/logger';
import type { TokenCheck } from '../platform/idTokens';
import { googleError } from './googleErrors';
import { sendJson } from './sendJson';

export type Authenticate = (req: Request) => Promise<TokenCheck>;
type Verify = (authorization: string | string[] | undefined, audiences: string[]) => Promise<TokenCheck>;

/**
 * Checks a request's Google ID token. The accepted audiences are this
 * function's own URL as the request reached it (`https://<Host>`: Pub/Sub
 * mints the push token for the push endpoint, and Cloud Run routes by Host,
 * so a token minted for another service cannot arrive here with a matching
 * Host), and the configured ones: a custom domain's URL, or the client ID
 * of gcloud, whose identity tokens `gcloud run services proxy` sends for
 * the person using it. The email check applies to every one of them.
 */
export function createRequestAuthenticator(verify: Verify, configuredAudiences: string[]): Authenticate {
  return (req) => verify(authorizationHeaders(req), [...ownUrl(req), ...configuredAudiences]);
}

/** Every Authorization header as sent: Node's parsed headers keep only the first of duplicates. */
function authorizationHeaders(req: Request): string | string[] | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'authorization') values.push(req.rawHeaders[i + 1]!);
  }
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

function ownUrl(req: Request): string[] {
  const host = req.headers.host;
  return host ? [`https://${host}`] : [];
}

/**
 * The token check every function runs first: who the caller is (`email`, absent when authentication is off)
 * when the request may proceed; otherwise false, and it has been answered 401, 403 or 503, in Google's error
 * shape, and logged.
 */
export async function admitAuthenticated(
  req: Request,
  res: Response,
  authenticate: Authenticate | undefined,
  log: Logger,
): Promise<false | { email?: string }> {
  if (!authenticate) return {};
  const check = await authenticate(req);
  if (check.ok) return { email: check.email };
  logEvents.authRefused(log, { status: check.status, reason: check.reason, method: req.method });
  if (check.status === 401) res.set('WWW-Authenticate', 'Bearer');
  sendJson(res, check.status, googleError(check.status, check.reason));
  return false;
}
