/**
 * The history API as the command-line tools (export, erase) reach it: over HTTP, like any client, so that they
 * work the same against a local stack and a deployment, under its access control (--token: an ID token).
 */
export class HistoryApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface HistoryClient {
  /** Every conversation of a parent matching `filter`, newest first, page after page. */
  listConversations(parent: string, filter?: string): AsyncIterable<Record<string, unknown>>;
  getConversation(name: string): Promise<Record<string, unknown>>;
  /** Every message of a conversation, oldest first (the API serves them newest first). */
  listMessages(name: string): Promise<Array<Record<string, unknown>>>;
  erase(name: string): Promise<void>;
}

const PAGE_SIZE = 1000;

export function createHistoryClient(baseUrl: string, token?: string): HistoryClient {
  const base = baseUrl.replace(/\/$/, '');
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

  async function call(method: 'GET' | 'DELETE', path: string): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${base}/v2/${path}`, { method, headers, signal: AbortSignal.timeout(60_000) }).catch((error: Error) => error);
      if (response instanceof Error) {
        if (attempt < 4) {
          await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
          continue;
        }
        throw new HistoryApiError(`${method} ${path}: ${response.message}`, 0);
      }
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown> & { error?: { message?: string } };
      if (response.ok) return body;
      // The store was unavailable: the API says so with 503, and another attempt may succeed.
      if ((response.status === 503 || response.status === 429) && attempt < 4) {
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
        continue;
      }
      throw new HistoryApiError(`${method} ${path}: ${response.status} ${body.error?.message ?? response.statusText}`, response.status);
    }
  }

  return {
    async *listConversations(parent, filter) {
      let pageToken = '';
      do {
        const query = new URLSearchParams({ pageSize: String(PAGE_SIZE), ...(filter ? { filter } : {}), ...(pageToken ? { pageToken } : {}) });
        const page = await call('GET', `${parent}/conversations?${query}`);
        for (const conversation of (page['conversations'] as Array<Record<string, unknown>> | undefined) ?? []) yield conversation;
        pageToken = typeof page['nextPageToken'] === 'string' ? page['nextPageToken'] : '';
      } while (pageToken);
    },

    getConversation: (name) => call('GET', name),

    async listMessages(name) {
      const messages: Array<Record<string, unknown>> = [];
      let pageToken = '';
      do {
        const query = new URLSearchParams({ pageSize: String(PAGE_SIZE), ...(pageToken ? { pageToken } : {}) });
        const page = await call('GET', `${name}/messages?${query}`);
        messages.push(...((page['messages'] as Array<Record<string, unknown>> | undefined) ?? []));
        pageToken = typeof page['nextPageToken'] === 'string' ? page['nextPageToken'] : '';
      } while (pageToken);
      return messages.reverse();
    },

    async erase(name) {
      await call('DELETE', name);
    },
  };
}
