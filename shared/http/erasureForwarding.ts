import type { Request, Response } from '@google-cloud/functions-framework';
import type { ConversationId } from '../domain/resourceNames';
import * as logEvents from '../platform/logEvents';
import type { Logger } from '../platform/logger';
import type { IdentityTokens } from '../platform/serviceIdentity';
import { googleError } from './googleErrors';
import { sendJson } from './sendJson';

/**
 * The history API cannot write (roles/datastore.viewer): it passes a DELETE on to the erasure function, which
 * alone holds a role that can, and which checks the eraser itself. The caller's Authorization goes along as
 * sent, for that check; the history API's own identity goes in X-Serverless-Authorization, which Cloud Run's
 * IAM reads instead of Authorization when both are present, so only this service and the erasers may invoke it.
 * A history API taken over could therefore erase only with a token an eraser sent it, within that token's hour.
 */
export interface ErasureForwarding {
  /** The erasure function's URL (ERASURE_URL). */
  url: string;
  /** This instance's own ID tokens, deployed; absent locally, where no IAM stands in front. */
  identityTokens?: IdentityTokens;
  /** Longer than a large conversation takes to erase, shorter than the function's own timeout. */
  timeoutMs: number;
}

const PASSED_ON_HEADERS = ['authorization', 'traceparent', 'x-cloud-trace-context'];

export async function passErasureOn(req: Request, res: Response, log: Logger, forwarding: ErasureForwarding, conversation: ConversationId): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of PASSED_ON_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  let answer: globalThis.Response;
  try {
    if (forwarding.identityTokens) headers['x-serverless-authorization'] = `Bearer ${await forwarding.identityTokens(forwarding.url)}`;
    // The canonical name, not the path as sent: the erasure function parses what was already validated here.
    answer = await fetch(`${forwarding.url}/v2/${conversation.name}`, { method: 'DELETE', headers, signal: AbortSignal.timeout(forwarding.timeoutMs) });
  } catch (error) {
    logEvents.erasurePassOnFailed(log, { status: 503 }, error);
    sendJson(res, 503, googleError(503, 'The erasure function could not be reached; erase again (erasure is idempotent)'));
    return;
  }
  const body = await answer.text();
  logEvents.erasurePassedOn(log, { status: answer.status });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    sendJson(res, 503, googleError(503, `The erasure function answered ${answer.status} without JSON; erase again (erasure is idempotent)`));
    return;
  }
  sendJson(res, answer.status, parsed);
}
