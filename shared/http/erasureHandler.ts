import type { Request, Response } from '@google-cloud/functions-framework';
import { eraseConversation } from '../domain/erasure';
import type { ErasureStore } from '../domain/ports';
import type { ConversationId } from '../domain/resourceNames';
import * as logEvents from '../platform/logEvents';
import type { Logger } from '../platform/logger';
import { parseTraceContext } from '../platform/trace';
import { admitAuthenticated, type Authenticate } from './authenticateRequest';
import { googleError } from './googleErrors';
import { parseHistoryRequest } from './historyRequest';
import { sendJson } from './sendJson';
import { statusForFailure } from './statusForOutcome';

/** Where Cloud Scheduler's job POSTs the erasure sweep (terraform/scheduler.tf). */
export const SWEEP_PATH = '/sweep';

export interface ErasureHandlerDependencies {
  store: ErasureStore;
  /** Who may erase (ERASURE_ALLOWED_EMAILS); none refuses every erasure. */
  allowedEmails: readonly string[];
  servesProject: (project: string) => boolean;
  logger: Logger;
  /** The caller's token check; absent only against an emulator (startup refuses otherwise). */
  authenticate?: Authenticate;
  defaultLocation?: string;
}

/**
 * The erasure function: DELETE of one conversation, by the paths the history API takes, for a verified eraser
 * only. It is the one function that writes on a person's behalf; the history API passes its DELETEs on here.
 * POST /sweep runs the erasure sweep (erasure.ts) for any caller Cloud Run and the token check let through (the
 * scheduler's account, an eraser): it deletes only under tombstones, and costs what the erasures of the last
 * late-write window cost.
 */
export function createErasureHandler(deps: ErasureHandlerDependencies) {
  return async function handleErasure(req: Request, res: Response): Promise<void> {
    const log = deps.logger.withTrace(parseTraceContext(req.headers));
    const method = req.method;
    const caller = await admitAuthenticated(req, res, deps.authenticate, log);
    if (!caller) return;
    if ((req.originalUrl ?? req.url).split('?')[0] === SWEEP_PATH) {
      await sweep(deps, req, res, log);
      return;
    }
    const parsed = parseHistoryRequest(method, req.originalUrl ?? req.url, deps.defaultLocation);
    if (!parsed.ok || parsed.request.route.kind !== 'erase') {
      const status = parsed.ok ? 404 : parsed.refusal.status;
      const reason = parsed.ok ? 'The erasure function erases (DELETE projects/<P>/locations/<L>/conversations/<C>); read through the history API' : parsed.refusal.message;
      logEvents.historyRefused(log, { method, route: 'erase', status, reason });
      res.set('Allow', 'DELETE');
      sendJson(res, status, googleError(status, reason));
      return;
    }
    await erase(deps, res, log, parsed.request.route.conversation, caller.email);
  };
}

async function sweep(deps: ErasureHandlerDependencies, req: Request, res: Response, log: Logger): Promise<void> {
  if (req.method !== 'POST') {
    res.set('Allow', 'POST');
    sendJson(res, 404, googleError(404, 'The erasure sweep runs on POST, as Cloud Scheduler sends it'));
    return;
  }
  const started = performance.now();
  try {
    const report = await deps.store.sweep(new Date());
    logEvents.erasureSwept(log, { ...report, durationMs: Math.round(performance.now() - started) });
    sendJson(res, 200, report);
  } catch (error) {
    const status = statusForFailure(error);
    logEvents.erasureSweepFailed(log, { status }, error);
    sendJson(res, status, googleError(status, status === 503 ? 'The history store is unavailable; the next run goes on' : 'Internal error'));
  }
}

/** Its erasers only, the same answer every time, one audit line (erasure.ts). */
async function erase(deps: ErasureHandlerDependencies, res: Response, log: Logger, conversation: ConversationId, email: string | undefined): Promise<void> {
  const method = 'DELETE';
  // Fails closed: with a token check, an eraser's verified email; without one (an emulator only), a local caller.
  if (deps.authenticate && !(email !== undefined && deps.allowedEmails.some((allowed) => allowed.toLowerCase() === email.toLowerCase()))) {
    const reason =
      deps.allowedEmails.length === 0
        ? 'Erasure is off: no principal is allowed to erase (ERASURE_ALLOWED_EMAILS; Terraform: history_erasers)'
        : 'Only the principals in ERASURE_ALLOWED_EMAILS (Terraform: history_erasers) may erase conversations';
    logEvents.historyRefused(log, { method, route: 'erase', status: 403, reason });
    sendJson(res, 403, googleError(403, reason));
    return;
  }
  if (!deps.servesProject(conversation.project)) {
    const reason = `Conversation ${conversation.name} not found`;
    logEvents.historyRefused(log, { method, route: 'erase', status: 404, reason });
    sendJson(res, 404, googleError(404, reason));
    return;
  }
  try {
    const report = await eraseConversation(deps.store, conversation, new Date());
    logEvents.erasureDone(log, { ...report, erasedBy: email ?? 'local caller (authentication off, emulator)' });
  } catch (error) {
    const status = statusForFailure(error);
    logEvents.historyFailed(log, { method, route: 'erase', status }, error);
    sendJson(res, status, googleError(status, status === 503 ? 'The history store is unavailable; erase again (erasure is idempotent)' : 'Internal error'));
    return;
  }
  // google.protobuf.Empty, as Google's DELETE methods answer; again the same for a conversation already erased.
  sendJson(res, 200, {});
}
