import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A test double of Dialogflow's Conversations REST API (v2), for the one Google service with no emulator:
 * the real paths (`/v2/projects/{p}/locations/{l}/conversations[/{c}[/messages|/participants]]`), proto3 JSON bodies
 * (enums as numbers when the client asks `$alt=json;enum-encoding=int`, as Google's REST clients do), opaque
 * page tokens, `filter` on lifecycle_state only, and Google's error JSON (`{"error": {code, message,
 * status}}`) for 400, 401, 404, 429 and 503. Google's official client talks to it over HTTP.
 */
export interface DialogflowDouble {
  url: string;
  /** Conversations by name, in proto3 JSON as Dialogflow returns them. */
  conversations: Map<string, Record<string, unknown>>;
  /** Messages by conversation name. */
  messages: Map<string, Array<Record<string, unknown>>>;
  /** Participants by conversation name (participants.list); a conversation with none listed answers an empty list. */
  participants: Map<string, Array<Record<string, unknown>>>;
  /** Every request received, in order: method, path and page token. */
  requests: Array<{ method: string; path: string; pageToken?: string }>;
  /**
   * The next `times` requests are answered `status` (429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, ...); with
   * `retryAfterSeconds`, as Google says when to come back: a Retry-After header and a RetryInfo detail.
   */
  failNext(status: number, times: number, options?: { retryAfterSeconds?: number }): void;
  /** Milliseconds every answer waits, so that a test can act while a command is under way (or a bench has a latency). */
  delayMs: number;
  /** Requests received and not yet answered, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
  /**
   * A listing of `count` conversations under `parent`, each with `messagesPerConversation` messages and two
   * participants (END_USER p0, HUMAN_AGENT p1, who send the even and odd messages), made up
   * page by page as they are asked for and never held: a listing of millions costs the double nothing.
   */
  generate(options: { parent: string; count: number; messagesPerConversation: number }): void;
  /** conversations.list's page `page` (1 the first) is answered once `until` has settled. */
  holdListPage(page: number, until: Promise<unknown>): void;
  /**
   * messages.list requests wait until `waiting` of them wait at once, then all are answered: 'opened'; or, after
   * `timeoutMs`, they are answered anyway: 'timed out' (the caller never had that many in flight).
   */
  holdMessagesUntilWaiting(waiting: number, timeoutMs: number): Promise<'opened' | 'timed out'>;
  /** false: requests are counted but not kept (a listing of millions). */
  keepRequests: boolean;
  /** Requests by kind, and the most messages.list requests received and not yet answered at once. */
  counts: { conversationsList: number; messagesList: number; messagesInFlight: number; mostMessagesInFlight: number };
  close(): Promise<void>;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};
const ENUMS: Record<string, Record<string, number>> = {
  lifecycleState: { LIFECYCLE_STATE_UNSPECIFIED: 0, IN_PROGRESS: 1, COMPLETED: 2 },
  conversationStage: { CONVERSATION_STAGE_UNSPECIFIED: 0, VIRTUAL_AGENT_STAGE: 1, HUMAN_ASSIST_STAGE: 2 },
  participantRole: { ROLE_UNSPECIFIED: 0, HUMAN_AGENT: 1, AUTOMATED_AGENT: 2, END_USER: 3 },
  role: { ROLE_UNSPECIFIED: 0, HUMAN_AGENT: 1, AUTOMATED_AGENT: 2, END_USER: 3 },
};
const CONVERSATION = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/conversations\/[^/]+)$/;
const CONVERSATIONS = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+)\/conversations$/;
const MESSAGES = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/conversations\/[^/]+)\/messages$/;
const PARTICIPANTS = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/conversations\/[^/]+)\/participants$/;

export async function startDialogflowDouble(): Promise<DialogflowDouble> {
  const conversations = new Map<string, Record<string, unknown>>();
  const messages = new Map<string, Array<Record<string, unknown>>>();
  const participants = new Map<string, Array<Record<string, unknown>>>();
  const requests: DialogflowDouble['requests'] = [];
  const failures: Array<{ status: number; retryAfterSeconds?: number }> = [];

  const double = { delayMs: 0, inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    double.inFlight += 1;
    double.maxInFlight = Math.max(double.maxInFlight, double.inFlight);
    res.on('close', () => (double.inFlight -= 1));
    if (double.delayMs > 0) setTimeout(() => handle(req, res), double.delayMs);
    else handle(req, res);
  });
  const counts = { conversationsList: 0, messagesList: 0, messagesInFlight: 0, mostMessagesInFlight: 0 };
  const listHolds = new Map<number, Promise<unknown>>();
  let barrier: { waiting: number; released: Array<() => void>; open: () => void } | undefined;
  let generated: { parent: string; count: number; messagesPerConversation: number } | undefined;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://double');
    if (CONVERSATIONS.test(url.pathname)) counts.conversationsList += 1;
    if (!MESSAGES.test(url.pathname)) return void held(url).then(() => answer(req, res));
    counts.messagesList += 1;
    counts.messagesInFlight += 1;
    counts.mostMessagesInFlight = Math.max(counts.mostMessagesInFlight, counts.messagesInFlight);
    res.on('close', () => (counts.messagesInFlight -= 1));
    void held(url).then(() => answer(req, res));
  };
  const held = async (url: URL): Promise<void> => {
    if (CONVERSATIONS.test(url.pathname)) {
      const size = Math.min(1000, Number(url.searchParams.get('pageSize') ?? '0') || 100);
      const hold = listHolds.get(Math.floor(tokenOffset(url.searchParams.get('pageToken')) / size) + 1);
      if (hold) await hold.catch(() => undefined);
    }
    if (MESSAGES.test(url.pathname) && barrier) {
      const waiting = barrier;
      await new Promise<void>((resolve) => {
        waiting.released.push(resolve);
        if (waiting.released.length >= waiting.waiting) waiting.open();
      });
    }
  };
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://double');
    const pageToken = url.searchParams.get('pageToken') ?? undefined;
    // keepRequests is set on this same object when it is returned (Object.assign below).
    if ((double as { keepRequests?: boolean }).keepRequests !== false) requests.push({ method: req.method ?? '', path: url.pathname, ...(pageToken ? { pageToken } : {}) });
    const injected = failures.shift();
    if (injected !== undefined) return sendError(res, injected.status, 'Injected by the test', injected.retryAfterSeconds);
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return sendError(res, 401, 'Request is missing required authentication credential.');
    if (req.method !== 'GET') return sendError(res, 404, `Method ${req.method} is not served by this double`);
    const enumsAsNumbers = /enum-encoding=int/.test(url.searchParams.get('$alt') ?? '');
    const send = (body: unknown) => sendJson(res, 200, enumsAsNumbers ? withEnumNumbers(body) : body);

    let match: RegExpExecArray | null;
    if ((match = CONVERSATION.exec(url.pathname))) {
      const conversation = conversations.get(match[1]!);
      return conversation ? send(conversation) : sendError(res, 404, `Conversation ${match[1]} not found.`);
    }
    const generating = generated;
    if ((match = CONVERSATIONS.exec(url.pathname)) && generating && generating.parent === match[1]) {
      const size = Math.min(1000, Number(url.searchParams.get('pageSize') ?? '0') || 100);
      const offset = tokenOffset(pageToken ?? null);
      const end = Math.min(generating.count, offset + size);
      const listed = Array.from({ length: Math.max(0, end - offset) }, (_, i) => generatedConversation(generating.parent, offset + i));
      return send({ conversations: listed, ...(end < generating.count ? { nextPageToken: Buffer.from(`offset:${end}`).toString('base64url') } : {}) });
    }
    if ((match = MESSAGES.exec(url.pathname)) && generating && match[1]!.startsWith(`${generating.parent}/conversations/g`)) {
      const conversation = match[1]!;
      return page(req, res, Array.from({ length: generating.messagesPerConversation }, (_, m) => ({ name: `${conversation}/messages/m${m}`, content: 'generated', participant: `${conversation}/participants/p${m % 2}`, participantRole: m % 2 ? 'HUMAN_AGENT' : 'END_USER', createTime: `2026-11-01T00:00:0${m % 10}Z` })), 'messages', send);
    }
    if ((match = PARTICIPANTS.exec(url.pathname)) && generating && match[1]!.startsWith(`${generating.parent}/conversations/g`)) {
      const conversation = match[1]!;
      return page(req, res, [{ name: `${conversation}/participants/p0`, role: 'END_USER' }, { name: `${conversation}/participants/p1`, role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'agent' }], 'participants', send);
    }
    if ((match = CONVERSATIONS.exec(url.pathname))) {
      const parent = `${match[1]}/`;
      const filter = url.searchParams.get('filter') ?? '';
      const state = /^\s*lifecycle_state\s*=\s*"(IN_PROGRESS|COMPLETED)"\s*$/.exec(filter)?.[1];
      if (filter && !state) return sendError(res, 400, `Invalid filter: ${filter}. Only lifecycle_state can be filtered on.`);
      const listed = [...conversations.values()]
        .filter((c) => String(c['name']).startsWith(parent) && (!state || c['lifecycleState'] === state))
        .sort((a, b) => String(b['startTime'] ?? '').localeCompare(String(a['startTime'] ?? '')));
      return page(req, res, listed, 'conversations', send);
    }
    if ((match = MESSAGES.exec(url.pathname))) {
      if (!conversations.has(match[1]!)) return sendError(res, 404, `Conversation ${match[1]} not found.`);
      const listed = [...(messages.get(match[1]!) ?? [])].sort((a, b) => String(b['createTime']).localeCompare(String(a['createTime'])));
      return page(req, res, listed, 'messages', send);
    }
    if ((match = PARTICIPANTS.exec(url.pathname))) {
      if (!conversations.has(match[1]!)) return sendError(res, 404, `Conversation ${match[1]} not found.`);
      return page(req, res, participants.get(match[1]!) ?? [], 'participants', send);
    }
    return sendError(res, 404, `No resource at ${url.pathname}`);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(double, {
    url: `http://127.0.0.1:${port}`,
    conversations,
    messages,
    participants,
    requests,
    failNext(status: number, times: number, options: { retryAfterSeconds?: number } = {}) {
      for (let i = 0; i < times; i++) failures.push({ status, ...options });
    },
    keepRequests: true,
    counts,
    generate(options: { parent: string; count: number; messagesPerConversation: number }) {
      generated = options;
    },
    holdListPage(page: number, until: Promise<unknown>) {
      listHolds.set(page, until);
    },
    holdMessagesUntilWaiting(waiting: number, timeoutMs: number) {
      return new Promise<'opened' | 'timed out'>((resolve) => {
        const release = (outcome: 'opened' | 'timed out') => {
          clearTimeout(timer);
          const released = barrier?.released ?? [];
          barrier = undefined;
          for (const answer of released) answer();
          resolve(outcome);
        };
        const timer = setTimeout(() => release('timed out'), timeoutMs);
        barrier = { waiting, released: [], open: () => release('opened') };
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** The offset a page token of this double names (0 for none). */
function tokenOffset(token: string | null): number {
  return token ? Number(Buffer.from(token, 'base64url').toString().replace(/^offset:/, '')) : 0;
}

/** The `index`th conversation of a generated listing: the fields a real one has, about 400 bytes of JSON. */
function generatedConversation(parent: string, index: number): Record<string, unknown> {
  const start = Date.UTC(2026, 10, 1) + index * 1000;
  return {
    name: `${parent}/conversations/g${index}`,
    lifecycleState: 'COMPLETED',
    conversationProfile: `${parent}/conversationProfiles/generated-profile`,
    phoneNumber: { phoneNumber: `+1555${String(index % 10_000_000).padStart(7, '0')}` },
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + 600_000).toISOString(),
    conversationStage: 'HUMAN_ASSIST_STAGE',
  };
}

/** pageSize: default 100, at most 1000; the token is the offset, opaque to the client. */
function page(req: IncomingMessage, res: ServerResponse, items: unknown[], field: string, send: (body: unknown) => void): void {
  const url = new URL(req.url ?? '/', 'http://double');
  const size = Math.min(1000, Number(url.searchParams.get('pageSize') ?? '0') || 100);
  const token = url.searchParams.get('pageToken');
  const offset = token ? Number(Buffer.from(token, 'base64url').toString().replace(/^offset:/, '')) : 0;
  if (!Number.isInteger(offset) || offset < 0) return sendError(res, 400, 'Invalid page token.');
  const slice = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`offset:${offset + size}`).toString('base64url') : undefined;
  send({ [field]: slice, ...(next ? { nextPageToken: next } : {}) });
}

function withEnumNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withEnumNumbers);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, typeof item === 'string' && ENUMS[key]?.[item] !== undefined ? ENUMS[key]![item] : withEnumNumbers(item)]),
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, code: number, message: string, retryAfterSeconds?: number): void {
  const retry = retryAfterSeconds === undefined ? undefined : { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfterSeconds}s` };
  sendJson(res, code, { error: { code, message, status: STATUS_NAMES[code] ?? 'UNKNOWN', ...(retry ? { details: [retry] } : {}) } }, retry ? { 'retry-after': String(retryAfterSeconds) } : {});
}
