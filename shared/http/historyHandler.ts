import type { Request, Response } from '@google-cloud/functions-framework';
import type { ViewerAsset } from '../viewer/assets';
import type { createHistoryQueries, HistoryResult } from '../domain/history/historyQueries';
import * as logEvents from '../platform/logEvents';
import type { Logger } from '../platform/logger';
import { parseTraceContext } from '../platform/trace';
import { sendJson } from './sendJson';
import { admitAuthenticated, type Authenticate } from './authenticateRequest';
import { applyCors } from './cors';
import { passErasureOn, type ErasureForwarding } from './erasureForwarding';
import { googleError, type GoogleErrorCode } from './googleErrors';
import { parseHistoryRequest, readResponseFormat, type ParsedHistoryRequest } from './historyRequest';
import { mergeSelections, parseFieldSelection, selectFields, type FieldSelection } from './partialResponse';
import { statusForFailure } from './statusForOutcome';

export interface HistoryHandlerDependencies {
  /** The viewer's static files, by path (shared/viewer/assets.ts). */
  viewer: Record<string, ViewerAsset>;
  queries: ReturnType<typeof createHistoryQueries>;
  /** Where DELETEs are passed on to: the erasure function, which alone can write; absent, DELETE is refused. */
  erasure?: ErasureForwarding;
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
    const url = req.originalUrl ?? req.url;
    // prettyPrint and $.xgafv shape every answer, refusals included; HEAD answers carry no body (Node drops it).
    const format = readResponseFormat(url);
    const answer = (status: number, body: unknown) => sendJson(res, status, body, format.pretty);
    const fail = (status: GoogleErrorCode, message: string) => answer(status, googleError(status, message, format.errorFormat));
    const caller = await admitAuthenticated(req, res, deps.authenticate, log, format.errorFormat);
    if (!caller) return;
    const asset = method === 'GET' || method === 'HEAD' ? deps.viewer[url.split('?')[0]!] : undefined;
    if (asset) {
      serveViewerAsset(res, asset);
      return;
    }
    const parsed = withFieldMaskHeader(parseHistoryRequest(method, url, deps.defaultLocation), req.headers['x-goog-fieldmask']);
    if (!parsed.ok) {
      const { status, message } = parsed.refusal;
      logEvents.historyRefused(log, { method, status, reason: message });
      if (method !== 'GET' && method !== 'HEAD') res.set('Allow', 'GET, HEAD');
      fail(status, message);
      return;
    }

    if (parsed.request.route.kind === 'erase') {
      if (deps.erasure) {
        await passErasureOn(req, res, log, deps.erasure, parsed.request.route.conversation);
        return;
      }
      const reason = 'Erasure is not configured here: the history API passes DELETEs on to the erasure function (ERASURE_URL)';
      logEvents.historyRefused(log, { method, route: 'erase', status: 403, reason });
      fail(403, reason);
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
      fail(status, message);
      return;
    }
    if (!result.ok) {
      const status = result.error.kind === 'not_found' ? 404 : 400;
      logEvents.historyRefused(log, { method, route, status, reason: result.error.message });
      fail(status, result.error.message);
      return;
    }
    const items = result.value['conversations'] ?? result.value['messages'] ?? result.value['participants'];
    logEvents.historyServed(log, {
      method,
      route,
      status: 200,
      ...(Array.isArray(items) ? { items: items.length } : {}),
      latencyMs: Math.round(performance.now() - started),
    });
    answer(200, parsed.request.fields ? selectFields(result.value, parsed.request.fields) : result.value);
  };
}

/**
 * `X-Goog-FieldMask`, the header form of `fields` that Google's APIs take (and the only one Google's Node client
 * can send through `otherArgs.headers`): selects as `fields` does, united with it when both are given.
 */
function withFieldMaskHeader(parsed: ReturnType<typeof parseHistoryRequest>, header: string | string[] | undefined): ReturnType<typeof parseHistoryRequest> {
  if (!parsed.ok || header === undefined) return parsed;
  const selection = parseFieldSelection(Array.isArray(header) ? header.join(',') : header);
  if (!selection.ok) return { ok: false, refusal: { status: 400, message: selection.message.replace('the fields parameter', 'X-Goog-FieldMask') } };
  const fields: FieldSelection = parsed.request.fields ? mergeSelections(parsed.request.fields, selection.selection) : selection.selection;
  return { ok: true, request: { ...parsed.request, fields } };
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
    case 'listParticipants':
      return queries.listParticipants(route.conversation, route.params, render);
    case 'getParticipant':
      return queries.getParticipant(route.conversation, route.participantId, render);
    case 'erase':
      throw new Error('erase is handled before dispatch');
  }
}
