import { DEFAULT_LOCATION, parseConversationName, parseParentName, type ConversationId, type ConversationParent } from '../domain/resourceNames';
import type { ListParameters } from '../domain/history/historyQueries';

/**
 * Reads a history API request into what the use cases take, the way
 * Google's HTTP APIs read theirs: the paths of Dialogflow's REST API under
 * /v2/ and /v2beta1/, with or without /locations/{l}; query parameters by
 * their JSON or proto names; `$`-prefixed and standard system parameters
 * accepted (only `$alt=json;enum-encoding=int` changes anything).
 * Pure: takes the method and URL, returns a route or a refusal.
 */
export type HistoryRoute =
  | { kind: 'get'; conversation: ConversationId }
  | { kind: 'erase'; conversation: ConversationId }
  | { kind: 'listConversations'; parent: ConversationParent; params: ListParameters }
  | { kind: 'listMessages'; conversation: ConversationId; params: ListParameters };

export interface ParsedHistoryRequest {
  route: HistoryRoute;
  enumsAsNumbers: boolean;
}

export type HistoryRequestRefusal = { status: 400 | 404 | 501; message: string };

const PATH =
  /^\/(v2|v2beta1)\/projects\/([^/]+)(?:\/locations\/([^/]+))?\/conversations(?:\/([^/]+)(\/messages)?)?$/;

const LIST_PARAMETERS: Record<string, keyof ListParameters> = {
  pageSize: 'pageSize',
  page_size: 'pageSize',
  pageToken: 'pageToken',
  page_token: 'pageToken',
  filter: 'filter',
};

/** Standard parameters of Google APIs, accepted and ignored (the `$` forms are all accepted). */
const SYSTEM_PARAMETERS = new Set(['alt', 'prettyPrint', 'fields', 'key', 'quotaUser', 'access_token', 'callback', 'upload_protocol', 'uploadType']);

export const MAX_URL_LENGTH = 8_192;

/** `defaultLocation`: where a path without `/locations/<L>` is taken to be (DIALOGFLOW_LOCATION). */
export function parseHistoryRequest(
  method: string,
  url: string,
  defaultLocation = DEFAULT_LOCATION,
): { ok: true; request: ParsedHistoryRequest } | { ok: false; refusal: HistoryRequestRefusal } {
  const refuse = (status: HistoryRequestRefusal['status'], message: string) => ({ ok: false as const, refusal: { status, message } });
  // As Google's HTTP transcoding answers: POST on these paths is a Dialogflow method (create, :complete, ...) this
  // API does not implement; any other method but GET and DELETE (erasure) is no method at all.
  if (method === 'POST') return refuse(501, 'Method POST is not implemented: the history API serves Dialogflow\'s read methods (GET) and erasure (DELETE) only');
  if (method !== 'GET' && method !== 'DELETE') return refuse(404, `No method of the history API serves ${method.slice(0, 20)}: it reads (GET) and erases (DELETE)`);
  if (url.length > MAX_URL_LENGTH) return refuse(400, `The URL is ${url.length} characters long; at most ${MAX_URL_LENGTH} are accepted`);

  // Match the path as sent: URL parsing would resolve '..' segments into another resource's path.
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const match = PATH.exec(path);
  if (!match) return refuse(404, `No method of the history API serves ${path.slice(0, 200)}`);
  const search = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  const segments = match.slice(2, 5).map((segment) => (segment === undefined ? undefined : decodeSegment(segment)));
  if (segments.some((segment) => segment === null)) return refuse(400, 'The path has an invalid percent-encoding');
  const [project, location, conversationId] = segments as Array<string | undefined>;
  const isMessages = match[5] !== undefined;

  const query = readQuery(search, conversationId === undefined || isMessages);
  if (!query.ok) return refuse(400, query.message);
  const enumsAsNumbers = query.enumsAsNumbers;
  const parentText = `projects/${project}${location === undefined ? '' : `/locations/${location}`}`;

  if (method === 'DELETE' && (conversationId === undefined || isMessages)) {
    return refuse(400, 'DELETE erases one conversation: projects/<P>/locations/<L>/conversations/<C>; npm run erase erases many, one at a time');
  }
  if (conversationId === undefined) {
    const parent = parseParentName(parentText, defaultLocation);
    if (!parent) return refuse(400, `'${parentText.slice(0, 200)}' is not a valid parent: projects/<P>[/locations/<L>]`);
    return { ok: true, request: { route: { kind: 'listConversations', parent, params: query.params }, enumsAsNumbers } };
  }
  const conversation = parseConversationName(`${parentText}/conversations/${conversationId}`, defaultLocation);
  if (!conversation) {
    return refuse(400, `'${`${parentText}/conversations/${conversationId}`.slice(0, 200)}' is not a valid conversation name`);
  }
  const route: HistoryRoute = isMessages
    ? { kind: 'listMessages', conversation, params: query.params }
    : method === 'DELETE'
      ? { kind: 'erase', conversation }
      : { kind: 'get', conversation };
  return { ok: true, request: { route, enumsAsNumbers } };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function readQuery(
  search: URLSearchParams,
  isList: boolean,
): { ok: true; params: ListParameters; enumsAsNumbers: boolean } | { ok: false; message: string } {
  const params: ListParameters = {};
  let enumsAsNumbers = false;
  const seen = new Set<string>();
  for (const [name, value] of search) {
    if (name.startsWith('$') || SYSTEM_PARAMETERS.has(name)) {
      if (name === '$alt' || name === 'alt') enumsAsNumbers ||= /(^|;)\s*enum-encoding\s*=\s*int\s*(;|$)/.test(value);
      continue;
    }
    const field = isList && Object.hasOwn(LIST_PARAMETERS, name) ? LIST_PARAMETERS[name] : undefined;
    if (!field) {
      const known = isList ? 'pageSize, pageToken and filter' : 'none';
      return { ok: false, message: `Unknown query parameter '${name.slice(0, 60)}'; this method takes ${known}` };
    }
    if (seen.has(field)) return { ok: false, message: `The query parameter ${field} is given more than once` };
    seen.add(field);
    params[field] = value;
  }
  return { ok: true, params, enumsAsNumbers };
}
