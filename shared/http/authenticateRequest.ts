import type { Request } from '@google-cloud/functions-framework';
import type { TokenCheck } from '../platform/idTokens';

export type Authenticate = (req: Request) => Promise<TokenCheck>;
type Verify = (authorization: string | string[] | undefined, audiences: string[]) => Promise<TokenCheck>;

/**
 * Checks a request's Google ID token. The expected audience is the
 * configured one, or else this function's own URL as the request reached
 * it (`https://<Host>`): Pub/Sub mints the push token for the push
 * endpoint, and Cloud Run routes by Host, so a token minted for another
 * service cannot arrive here with a matching Host.
 */
export function createRequestAuthenticator(verify: Verify, configuredAudiences: string[]): Authenticate {
  return (req) => verify(authorizationHeaders(req), configuredAudiences.length > 0 ? configuredAudiences : ownUrl(req));
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
