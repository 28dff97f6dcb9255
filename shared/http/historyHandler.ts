import type { Request, Response } from '@google-cloud/functions-framework';
import { eraseConversation } from '../domain/erasure';
import type { ErasureStore } from '../domain/ports';
import type { ConversationId } from '../domain/resourceNames';
import type { ViewerAsset } from '../viewer/assets';
import type { createHistoryQueries, HistoryResult } from '../domain/history/historyQueries';
import * as logEvents from '../platform/logEvents';
import type { Logger } from '../platform/logger';
import { parseTraceContext } from '../platform/trace';
import { sendJson } from './sendJson';
import { admitAuthenticated, type Authenticate } from './authenticateRequest';
import { applyCors } from './cors';
import { googleError } from './googleErrors';
import { parseHistoryRequest, type ParsedHistoryRequest } from './historyRequest';
import { statusForFailure } from './statusForOutcome';

export interface HistoryHandlerDependencies {
  /** The viewer's static files, by path (shared/viewer/assets.ts). */
  viewer: Record<string, ViewerAsset>;
  queries: ReturnType<typeof createHistoryQueries>;
  /** Erasure (DELETE): the store, who may erase when authentication is on, and which projects are served. */
  erasure: { store: ErasureStore; allowedEmails: readonly string[]; servesProject: (project: string) => boolean };
  logger: Logger;
  /** Checks the caller's Google ID token; absent when authentication is off (locally). */
  authenticate?: Authenticate;
  corsAllowedOrigins: readonly string[];
  /** Where a path without `/locations/<L>` is taken to be (DIALOGFLOW_LOCATION). */
  defaultLocation?: string;
}

/** The HTTP edge of the history API: Dialogflow's REST paths in, Dialogflow's JSON (or Google's error shape) out. */
export function createHistoryHandler(deps: HistoryHandlerDependencies) {
  return async function handleHistory(req: Request, res: Response): Promise<void> {
    const log = deps.logger.withTrace(parseTraceContext(req.headers));
    const started = performance.now();
    const method = req.method;
    if (applyCors(req, res, deps.corsAllowedOrigins)) return;
    const caller = await admitAuthenticated(req, res, deps.authenticate, log);
    if (!caller) return;
    const url = req.originalUrl ?? req.url;
    const asset = method === 'GET' ? deps.viewer[url.split('?')[0]!] : undefined;
    if (asset) {
      serveViewerAsset(res, asset);
      return;
    }
    const parsed = parseHistoryRequest(method, url, deps.defaultLocation);
    if (!parsed.ok) {
      const { status, message } = parsed.refusal;
      logEvents.historyRefused(log, { method, status, reason: message });
      if (method !== 'GET') res.set('Allow', 'GET');
      sendJson(res, status, googleError(status, message));
      return;
    }

    if (parsed.request.route.kind === 'erase') {
      await erase(deps, res, log, parsed.request.route.conversation, caller.email);
      return;
    }
    const route = parsed.request.route.kind;
    let result: HistoryResult<Record<string, unknown>>;
    try {
      result = await dispatch(deps.queries, parsed.request);
    } catch (error) {
      const status = statusForFailure(error);
      logEvents.historyFailed(log, { method, route, status }, error);
      const message = status === 503 ? 'The history store is unavailable; retry with backoff' : 'Internal error';
      sendJson(res, status, googleError(status, message));
      return;
    }
    if (!result.ok) {
      const status = result.error.kind === 'not_found' ? 404 : 400;
      logEvents.historyRefused(log, { method, route, status, reason: result.error.message });
      sendJson(res, status, googleError(status, result.error.message));
      return;
    }
    const items = result.value['conversations'] ?? result.value['messages'];
    logEvents.historyServed(log, {
      method,
      route,
      status: 200,
      ...(Array.isArray(items) ? { items: items.length } : {}),
      latencyMs: Math.round(performance.now() - started),
    });
    sendJson(res, 200, result.value);
  };
}

/**
 * A file of the viewer, with a policy that lets the page run its own script and style and reach only this
 * origin: even text that got into the page as markup could run nothing.
 */
function serveViewerAsset(res: Response, asset: ViewerAsset): void {
  res.set({
    'Content-Type': asset.contentType,
    'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  res.status(200).send(asset.body);
}

/** DELETE of one conversation: its erasers only, the same answer every time, one audit line (erasure.ts). */
async function erase(deps: HistoryHandlerDependencies, res: Response, log: Logger, conversation: ConversationId, email: string | undefined): Promise<void> {
  const method = 'DELETE';
  if (deps.authenticate && !(email !== undefined && deps.erasure.allowedEmails.includes(email))) {
    const reason = 'Only the principals in ERASURE_ALLOWED_EMAILS (Terraform: history_erasers) may erase conversations';
    logEvents.historyRefused(log, { method, route: 'erase', status: 403, reason });
    sendJson(res, 403, googleError(403, reason));
    return;
  }
  if (!deps.erasure.servesProject(conversation.project)) {
    const reason = `Conversation ${conversation.name} not found`;
    logEvents.historyRefused(log, { method, route: 'erase', status: 404, reason });
    sendJson(res, 404, googleError(404, reason));
    return;
  }
  try {
    const report = await eraseConversation(deps.erasure.store, conversation, new Date());
    logEvents.erasureDone(log, { ...report, erasedBy: email ?? 'local caller (authentication off)' });
  } catch (error) {
    const status = statusForFailure(error);
    logEvents.historyFailed(log, { method, route: 'erase', status }, error);
    sendJson(res, status, googleError(status, status === 503 ? 'The history store is unavailable; erase again (erasure is idempotent)' : 'Internal error'));
    return;
  }
  // google.protobuf.Empty, as Google's DELETE methods answer; again the same for a conversation already erased.
  sendJson(res, 200, {});
}

function dispatch(queries: HistoryHandlerDependencies['queries'], request: ParsedHistoryRequest) {
  const render = { enumsAsNumbers: request.enumsAsNumbers };
  const { route } = request;
  switch (route.kind) {
    case 'get':
      return queries.getConversation(route.conversation, render);
    case 'listConversations':
      return queries.listConversations(route.parent, route.params, render);
    case 'listMessages':
      return queries.listMessages(route.conversation, route.params, render);
    case 'erase':
      throw new Error('erase is handled before dispatch');
  }
}
