import { googleError } from './googleErrors';
import type { Request, Response } from '@google-cloud/functions-framework';

/**
 * CORS for the history API: only the configured browser origins get an
 * Access-Control-Allow-Origin; any other origin gets none, so browsers keep
 * other sites' pages from reading the history with a user's credentials.
 * Returns true when the request was a preflight and has been answered.
 */
export function applyCors(req: Request, res: Response, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  const allowed = typeof origin === 'string' && allowedOrigins.includes(origin);
  if (allowedOrigins.length > 0) res.vary('Origin');
  if (allowed) res.set('Access-Control-Allow-Origin', origin);
  const isPreflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (!isPreflight) return false;
  if (allowed) {
    res.set('Access-Control-Allow-Methods', 'GET');
    res.set('Access-Control-Allow-Headers', 'authorization, content-type, x-goog-api-client, x-goog-request-params, x-goog-user-project');
    res.set('Access-Control-Max-Age', '3600');
    res.status(204).end();
  } else {
    res.status(403).json(googleError(403, 'This origin may not call the history API'));
  }
  return true;
}
