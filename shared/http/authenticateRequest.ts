import type { Request, Response } from '@google-cloud/functions-framework';
import * as logEvents from '../platform/logEvents';
import type { Logger } from '../platform/logger';
import type { TokenCheck } from '../platform/idTokens';
import { googleError, type ErrorFormat } from './googleErrors';
import { sendJson } from './sendJson';

export type Authenticate = (req: Request) => Promise<TokenCheck>;
type Verify = (authorization: string | string[] | undefined) => Promise<TokenCheck>;

/**
 * Checks a request's Google ID token against the audiences this function is configured with (AUTH_AUDIENCES:
 * its deployed URL, a custom domain's, gcloud's client ID), never against anything the request says: a
 * `Host` header is the caller's choice, so a token an allowed principal sent to another service could be
 * replayed here through a load balancer that routes every host to us.
 */
export function createRequestAuthenticator(verify: Verify): Authenticate {
  return (req) => verify(authorizationHeaders(req));
}

/** Every Authorization header as sent: Node's parsed headers keep only the first of duplicates. */
function authorizationHeaders(req: Request): string | string[] | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'authorization') values.push(req.rawHeaders[i + 1]!);
  }
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

/**
 * The token check every function runs first: who the caller is (`email`, absent when authentication is off)
 * when the request may proceed; otherwise false, and it has been answered 401, 403 or 503, in Google's error
 * shape (`errorFormat`, `$.xgafv`, where the function reads it), and logged.
 */
export async function admitAuthenticated(
  req: Request,
  res: Response,
  authenticate: Authenticate | undefined,
  log: Logger,
  errorFormat: ErrorFormat = 2,
): Promise<false | { email?: string }> {
  if (!authenticate) return {};
  const check = await authenticate(req);
  if (check.ok) return { email: check.email };
  logEvents.authRefused(log, { status: check.status, reason: check.reason, method: req.method });
  if (check.status === 401) res.set('WWW-Authenticate', 'Bearer');
  sendJson(res, check.status, googleError(check.status, check.reason, errorFormat));
  return false;
}
