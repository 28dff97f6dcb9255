import { createRequire } from 'node:module';
import type * as Dialogflow from '@google-cloud/dialogflow';
import type { DialogflowConversationPages, DialogflowConversations } from '../domain/ports';
import { toProto3Json } from './proto3Json';

/**
 * DialogflowConversations over Google's official client (`@google-cloud/dialogflow`), in its REST transport:
 * Google's API by default (the regional endpoint for a regional location), or any Dialogflow-compatible API
 * given by URL (a test double, a local stack of ours). Calls keep within `qps` (Dialogflow's quotas are per
 * minute and per project) however many are made at once, and are retried with exponential backoff and jitter
 * on quota and availability errors; the client's own retries are off, so that the limit counts every attempt.
 * A 429 pauses every call of this client, not only the one that met it, for Google's Retry-After (or RetryInfo)
 * when it gives one: concurrent callers would otherwise keep spending the quota that just ran out. The client
 * is loaded on the first call, not before: it is the largest thing the reconcile function loads (a quarter of
 * a second), and a run with nothing due, or a local stack nobody asks to reconcile, never needs it.
 */
export interface DialogflowApiOptions {
  /** Base URL of a Dialogflow-compatible API; http:// ones get no credentials (they are local). */
  endpoint?: string;
  qps: number;
  /** Attempts per call, the first included. */
  maxAttempts?: number;
  /** Longest wait between two attempts (32 s, the ceiling Google's SLA asks for, unless told less). */
  maxBackoffMs?: number;
  /** Each attempt is abandoned after this long (the client's own default otherwise). */
  attemptTimeoutMs?: number;
  /** Told of each retry, for progress output. */
  onRetry?: (what: string, attempt: number, delayMs: number, reason: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface CountedDialogflowConversations extends DialogflowConversations, DialogflowConversationPages {
  /** Requests sent so far, retries included. */
  calls(): number;
}

const PAGE_SIZE = 100;

/** Google's clients for the two services the calls go to, made together on the first call and sharing its rate. */
interface Clients {
  conversations: Dialogflow.v2.ConversationsClient;
  participants: Dialogflow.v2.ParticipantsClient;
}
/** HTTP statuses and gRPC codes worth another attempt: quota, unavailable, deadline, internal. */
const RETRYABLE = new Set([429, 500, 502, 503, 504, 4, 8, 13, 14]);

export function createDialogflowConversations(location: string, options: DialogflowApiOptions): CountedDialogflowConversations {
  let loaded: Promise<Clients> | undefined;
  const dialogflowClients = () =>
    (loaded ??= import('@google-cloud/dialogflow').then(({ default: dialogflow }) => ({
      conversations: new dialogflow.v2.ConversationsClient(clientOptions(location, options.endpoint)),
      participants: new dialogflow.v2.ParticipantsClient(clientOptions(location, options.endpoint)),
    })));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxAttempts = options.maxAttempts ?? 6;
  const maxBackoffMs = options.maxBackoffMs ?? 32_000;
  const spacingMs = 1000 / options.qps;
  let nextSlot = 0;
  let calls = 0;
  const noClientRetries = { retry: null, ...(options.attemptTimeoutMs ? { timeout: options.attemptTimeoutMs } : {}) };

  /** `retryUntil` (epoch ms): no retry is begun that would wait past it; the last error is thrown instead. */
  async function call<T>(what: string, send: (clients: Clients) => Promise<T>, retryUntil = Infinity): Promise<T> {
    const clients = await dialogflowClients();
    for (let attempt = 1; ; attempt++) {
      // Slots are taken in call order, so concurrent callers share the rate rather than each keeping it.
      const now = Date.now();
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + spacingMs;
      if (slot > now) await sleep(slot - now);
      calls += 1;
      try {
        return await send(clients);
      } catch (error) {
        const code = errorCode(error);
        if (code === 404 || code === 5) throw error;
        if (attempt >= maxAttempts || !isTransient(error)) throw describe(what, error, attempt);
        const backoffMs = Math.min(maxBackoffMs, 1000 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        const delayMs = Math.max(backoffMs, retryAfterMs(error) ?? 0);
        // Out of quota: every caller waits, this call's retry or not, by pushing the next slot past the pause.
        const quota = code === 429 || code === 8;
        if (quota) nextSlot = Math.max(nextSlot, Date.now() + delayMs);
        if (Date.now() + delayMs > retryUntil) throw describe(what, error, attempt);
        options.onRetry?.(what, attempt, delayMs, reasonOf(error));
        // A quota pause is waited for as the next slot, at the top of the loop.
        if (!quota) await sleep(delayMs);
      }
    }
  }

  const listConversationPage: DialogflowConversationPages['listConversationPage'] = async (parent, pageToken) => {
    const [conversations, next] = await call(`conversations.list ${parent}`, (clients) =>
      clients.conversations.listConversations({ parent, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, { ...noClientRetries, autoPaginate: false }),
    );
    const nextPageToken = next?.pageToken || undefined;
    return { conversations: conversations.map((conversation) => toProto3Json('conversation', conversation)), ...(nextPageToken ? { nextPageToken } : {}) };
  };

  return {
    calls: () => calls,

    async getConversation(name, { retryUntil } = {}) {
      try {
        const [conversation] = await call(`conversations.get ${name}`, (clients) => clients.conversations.getConversation({ name }, noClientRetries), retryUntil);
        return { found: true, conversation: toProto3Json('conversation', conversation) };
      } catch (error) {
        const code = errorCode(error);
        if (code === 404 || code === 5) return { found: false };
        throw error;
      }
    },

    listConversationPage,

    async *listConversations(parent) {
      let pageToken: string | undefined;
      do {
        const page = await listConversationPage(parent, pageToken);
        yield* page.conversations;
        pageToken = page.nextPageToken;
      } while (pageToken);
    },

    async *listMessages(conversationName) {
      let pageToken: string | undefined;
      do {
        const [messages, next] = await call(`messages.list ${conversationName}`, (clients) =>
          clients.conversations.listMessages({ parent: conversationName, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, { ...noClientRetries, autoPaginate: false }),
        );
        for (const message of messages) yield toProto3Json('message', message);
        pageToken = next?.pageToken ?? undefined;
      } while (pageToken);
    },

    async *listParticipants(conversationName, { retryUntil } = {}) {
      let pageToken: string | undefined;
      do {
        const [participants, next] = await call(
          `participants.list ${conversationName}`,
          (clients) => clients.participants.listParticipants({ parent: conversationName, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, { ...noClientRetries, autoPaginate: false }),
          retryUntil,
        );
        for (const participant of participants) yield toProto3Json('participant', participant);
        pageToken = next?.pageToken ?? undefined;
      } while (pageToken);
    },
  };
}

/** Google's regional endpoints: `<location>-dialogflow.googleapis.com` for every location but global. */
export function dialogflowApiHost(location: string): string {
  return location === 'global' ? 'dialogflow.googleapis.com' : `${location}-dialogflow.googleapis.com`;
}

function clientOptions(location: string, endpoint: string | undefined) {
  if (!endpoint) return { fallback: true as const, apiEndpoint: dialogflowApiHost(location) };
  const url = new URL(endpoint);
  const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  if (url.protocol === 'https:') return { fallback: true as const, apiEndpoint: url.hostname, port };
  return { fallback: true as const, protocol: 'http' as const, apiEndpoint: url.hostname, port, authClient: localAuthClient() };
}

/** A local API checks no credentials; the client still wants an auth client, so it gets one holding a placeholder. */
function localAuthClient() {
  const { OAuth2Client } = createRequire(createRequire(import.meta.url).resolve('@google-cloud/dialogflow'))('google-auth-library') as typeof import('google-auth-library');
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'local', expiry_date: Date.now() + 365 * 86_400_000 });
  return client;
}

/** Quota, availability, deadline or internal answers, and connections that broke; not what the client itself refused. */
function isTransient(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined) return RETRYABLE.has(code);
  const text = `${(error as { code?: unknown })?.code ?? ''} ${error instanceof Error ? error.message : ''}`;
  return /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|EPIPE|socket hang up|fetch failed|network/i.test(text);
}

/**
 * How long Google asks to wait: the Retry-After header (seconds, or an HTTP date) or a RetryInfo detail
 * (`"retryDelay": "7s"`) in the error body the REST transport puts in the message.
 */
function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { response?: { headers?: { get?: (name: string) => unknown } & Record<string, unknown> } })?.response?.headers;
  const header = headers ? String((typeof headers.get === 'function' ? headers.get('retry-after') : headers['retry-after']) ?? '') : '';
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  if (header && !Number.isNaN(Date.parse(header))) return Math.max(0, Date.parse(header) - Date.now());
  const delay = /"retryDelay":\s*"(\d+(?:\.\d+)?)s"/.exec(error instanceof Error ? error.message : '')?.[1];
  return delay === undefined ? undefined : Number(delay) * 1000;
}

function errorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function reasonOf(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const status = /"status":\s*"([A-Z_]+)"/.exec(message)?.[1];
  return [code, status ?? message.split('\n')[0]?.slice(0, 200)].filter((part) => part !== undefined).join(' ');
}

function describe(what: string, error: unknown, attempts: number): Error {
  const described = new Error(`${what}: ${reasonOf(error)} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`);
  // What the port promises: whether a later attempt may succeed (quota, outage), for a caller to hold back.
  Object.assign(described, { code: errorCode(error), retryable: isTransient(error) });
  return described;
}
