import { DEFAULT_LOCATION, SAFE_ID, parseConversationName, parseParentName, type ConversationId, type ConversationParent } from '../domain/resourceNames';
import type { ListParameters } from '../domain/history/historyQueries';
import type { ErrorFormat } from './googleErrors';
import { mergeSelections, parseFieldSelection, type FieldSelection } from './partialResponse';

/**
 * Reads a history API request into what the use cases take, the way
 * Google's HTTP APIs read theirs: the paths of Dialogflow's REST API under
 * /v2/ and /v2beta1/, with or without /locations/{l}; query parameters by
 * their JSON or proto names; every standard system parameter of Google's
 * APIs accepted, in its plain and `$` forms: `alt=json;enum-encoding=int`,
 * `fields` (partialResponse.ts), `prettyPrint` and `$.xgafv`
 * (readResponseFormat) change the answer; `access_token` and `oauth_token`
 * are never credentials (IAM and the ID token are) and, like every query
 * value, never logged; the others change nothing. HEAD is GET without the
 * body. Pure: takes the method and URL, returns a route or a refusal.
 */
export type HistoryRoute =
  | { kind: 'get'; conversation: ConversationId }
  | { kind: 'erase'; conversation: ConversationId }
  | { kind: 'listConversations'; parent: ConversationParent; params: ListParameters }
  | { kind: 'listMessages'; conversation: ConversationId; params: ListParameters }
  | { kind: 'listParticipants'; conversation: ConversationId; params: ListParameters }
  | { kind: 'getParticipant'; conversation: ConversationId; participantId: string };

export interface ParsedHistoryRequest {
  route: HistoryRoute;
  enumsAsNumbers: boolean;
  /** `fields`: what of a successful answer is sent; absent, all of it. */
  fields?: FieldSelection;
}

export type HistoryRequestRefusal = { status: 400 | 404 | 501; message: string };

/** Groups: version, project, location, conversation, then `/messages`, or `/participants` and a participant id. */
const PATH =
  /^\/(v2|v2beta1)\/projects\/([^/]+)(?:\/locations\/([^/]+))?\/conversations(?:\/([^/]+)(?:(\/messages)|(\/participants)(?:\/([^/:]+))?)?)?$/;

const LIST_PARAMETERS: Record<string, keyof ListParameters> = {
  pageSize: 'pageSize',
  page_size: 'pageSize',
  pageToken: 'pageToken',
  page_token: 'pageToken',
  filter: 'filter',
};

/**
 * The standard parameters of Google's APIs (the discovery document's top-level `parameters`), by the name after
 * any `$`. `callback` (JSONP) is accepted and ignored: the answer is always JSON, never script another site's page
 * could load. `key` and `quotaUser` name no credential or quota here.
 */
const SYSTEM_PARAMETERS = new Set(['alt', 'prettyPrint', 'fields', 'key', 'quotaUser', 'access_token', 'oauth_token', 'callback', 'upload_protocol', 'uploadType', '.xgafv']);

/** Google's batch endpoint (the discovery document's `batchPath`), which this API does not serve (docs/api.md). */
const BATCH_PATH = /^\/batch(\/|\?|$)/;

export const MAX_URL_LENGTH = 8_192;

/** `defaultLocation`: where a path without `/locations/<L>` is taken to be (DIALOGFLOW_LOCATION). */
export function parseHistoryRequest(
  method: string,
  url: string,
  defaultLocation = DEFAULT_LOCATION,
): { ok: true; request: ParsedHistoryRequest } | { ok: false; refusal: HistoryRequestRefusal } {
  const refuse = (status: HistoryRequestRefusal['status'], message: string) => ({ ok: false as const, refusal: { status, message } });
  if (method === 'POST' && BATCH_PATH.test(url)) {
    return refuse(501, 'Batch requests are not implemented: send each request on its own (HTTP/2 and keep-alive connections carry them side by side)');
  }
  // HEAD is answered as GET is, without the body (Node leaves out a HEAD answer's body).
  if (method === 'HEAD') method = 'GET';
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
  const segments = [...match.slice(2, 5), match[7]].map((segment) => (segment === undefined ? undefined : decodeSegment(segment)));
  if (segments.some((segment) => segment === null)) return refuse(400, 'The path has an invalid percent-encoding');
  const [project, location, conversationId, participantId] = segments as Array<string | undefined>;
  const isMessages = match[5] !== undefined;
  const isParticipants = match[6] !== undefined;
  const listing = conversationId === undefined ? 'conversations' : isMessages ? 'messages' : isParticipants && participantId === undefined ? 'participants' : undefined;

  const query = readQuery(search, listing);
  if (!query.ok) return refuse(400, query.message);
  const { enumsAsNumbers, fields } = query;
  const parentText = `projects/${project}${location === undefined ? '' : `/locations/${location}`}`;

  if (method === 'DELETE' && (conversationId === undefined || isMessages || isParticipants)) {
    return refuse(400, 'DELETE erases one conversation (its messages and participants with it): projects/<P>/locations/<L>/conversations/<C>; npm run erase erases many, one at a time');
  }
  if (conversationId === undefined) {
    const parent = parseParentName(parentText, defaultLocation);
    if (!parent) return refuse(400, `'${parentText.slice(0, 200)}' is not a valid parent: projects/<P>[/locations/<L>]`);
    return { ok: true, request: { route: { kind: 'listConversations', parent, params: query.params }, enumsAsNumbers, ...(fields ? { fields } : {}) } };
  }
  const conversation = parseConversationName(`${parentText}/conversations/${conversationId}`, defaultLocation);
  if (!conversation) {
    return refuse(400, `'${`${parentText}/conversations/${conversationId}`.slice(0, 200)}' is not a valid conversation name`);
  }
  if (participantId !== undefined && !SAFE_ID.test(participantId)) {
    return refuse(400, `'${`${conversation.name}/participants/${participantId}`.slice(0, 200)}' is not a valid participant name`);
  }
  const route: HistoryRoute = isMessages
    ? { kind: 'listMessages', conversation, params: query.params }
    : isParticipants
      ? participantId === undefined
        ? { kind: 'listParticipants', conversation, params: query.params }
        : { kind: 'getParticipant', conversation, participantId }
      : method === 'DELETE'
      ? { kind: 'erase', conversation }
      : { kind: 'get', conversation };
  return { ok: true, request: { route, enumsAsNumbers, ...(fields ? { fields } : {}) } };
}

export interface ResponseFormat {
  /** `prettyPrint`: indented JSON when a client asks for it; compact otherwise (docs/api.md says why). */
  pretty: boolean;
  /** `$.xgafv`: Google's error format, v2 unless 1 is asked for. */
  errorFormat: ErrorFormat;
}

/**
 * How any answer to the URL is written, its errors included, so it is read apart from the route: a refused
 * request is answered in the error format it asked for. A value readQuery refuses reads as the default here.
 */
export function readResponseFormat(url: string): ResponseFormat {
  const queryStart = url.indexOf('?');
  const format: ResponseFormat = { pretty: false, errorFormat: 2 };
  if (queryStart === -1 || url.length > MAX_URL_LENGTH) return format;
  for (const [name, value] of new URLSearchParams(url.slice(queryStart + 1))) {
    const bare = name.startsWith('$') ? name.slice(1) : name;
    if (bare === 'prettyPrint') format.pretty = BOOLEANS[value] ?? false;
    else if (bare === '.xgafv' && value === '1') format.errorFormat = 1;
  }
  return format;
}

/** How Google's APIs read a boolean query parameter. */
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** What each list method takes beside the system parameters (participants.list has no filter). */
const LIST_METHOD_PARAMETERS: Record<'conversations' | 'messages' | 'participants', { takes: ReadonlyArray<keyof ListParameters>; named: string }> = {
  conversations: { takes: ['pageSize', 'pageToken', 'filter'], named: 'pageSize, pageToken and filter' },
  messages: { takes: ['pageSize', 'pageToken', 'filter'], named: 'pageSize, pageToken and filter' },
  participants: { takes: ['pageSize', 'pageToken'], named: 'pageSize and pageToken' },
};

function readQuery(
  search: URLSearchParams,
  listing: keyof typeof LIST_METHOD_PARAMETERS | undefined,
): { ok: true; params: ListParameters; enumsAsNumbers: boolean; fields?: FieldSelection } | { ok: false; message: string } {
  const params: ListParameters = {};
  let enumsAsNumbers = false;
  let fields: FieldSelection | undefined;
  const seen = new Set<string>();
  for (const [name, value] of search) {
    if (name.startsWith('$') || SYSTEM_PARAMETERS.has(name)) {
      // Names and reasons only: a value (a token, a selection) is the caller's text and is never quoted.
      const bare = name.startsWith('$') ? name.slice(1) : name;
      if (bare === 'alt') enumsAsNumbers ||= /(^|;)\s*enum-encoding\s*=\s*int\s*(;|$)/.test(value);
      if (bare === 'prettyPrint' && !Object.hasOwn(BOOLEANS, value)) return { ok: false, message: 'prettyPrint must be true, false, 1 or 0' };
      if (bare === '.xgafv' && value !== '1' && value !== '2') return { ok: false, message: '$.xgafv must be 1 or 2 (the v1 or v2 error format)' };
      if (bare === 'fields') {
        const parsed = parseFieldSelection(value);
        if (!parsed.ok) return { ok: false, message: parsed.message };
        fields = fields ? mergeSelections(fields, parsed.selection) : parsed.selection;
      }
      continue;
    }
    const method = listing === undefined ? undefined : LIST_METHOD_PARAMETERS[listing];
    const field = method && Object.hasOwn(LIST_PARAMETERS, name) && method.takes.includes(LIST_PARAMETERS[name]!) ? LIST_PARAMETERS[name] : undefined;
    if (!field) {
      const known = method ? method.named : 'none';
      return { ok: false, message: `Unknown query parameter '${name.slice(0, 60)}'; this method takes ${known}` };
    }
    if (seen.has(field)) return { ok: false, message: `The query parameter ${field} is given more than once` };
    seen.add(field);
    params[field] = value;
  }
  return { ok: true, params, enumsAsNumbers, ...(fields ? { fields } : {}) };
}
