import { beforeAll, describe, expect, it } from 'vitest';
import { makePushBody, messageEvent, uniqueConversation } from '../support/builders';
import { getJson, ingestAll } from '../support/stack';

/**
 * Keyset paging: every message exactly once, newest first, however many
 * share a create time, and while new messages keep arriving.
 */

const TOTAL = 2_500;
const DISTINCT_TIMES = 25; // 100 messages share each create time
const createTime = (slot: number) => `2026-11-05T12:00:${String(slot).padStart(2, '0')}.5Z`;
/** The same instant as the API renders it (proto3 JSON: 0, 3, 6 or 9 fractional digits). */
const renderedTime = (slot: number) => `2026-11-05T12:00:${String(slot).padStart(2, '0')}.500Z`;
const messageId = (index: number) => `M${String(index).padStart(5, '0')}`;

async function pageThrough(conversation: string, pageSize: number, filter = '', afterEachPage: (page: number) => Promise<void> = async () => {}) {
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const query = new URLSearchParams({ pageSize: String(pageSize), ...(filter ? { filter } : {}), ...(token ? { pageToken: token } : {}) });
    const answer = await getJson(`/v2/${conversation}/messages?${query}`);
    expect(answer.status).toBe(200);
    const messages = answer.body['messages'] as Array<{ name: string; createTime: string }>;
    expect(messages.length).toBeLessThanOrEqual(pageSize);
    seen.push(...messages.map((m) => `${m.createTime} ${m.name.split('/').pop()}`));
    token = answer.body['nextPageToken'] as string | undefined;
    pages++;
    await afterEachPage(pages);
  } while (token);
  return { seen, pages };
}

describe('paging through a long conversation', () => {
  const c = uniqueConversation();

  beforeAll(async () => {
    // Delivered in a scrambled order, as Pub/Sub may.
    const order = Array.from({ length: TOTAL }, (_, index) => (index * 7_919) % TOTAL);
    await ingestAll(
      order.map((index) => ({
        path: '/ingestMessageEvents',
        body: makePushBody(messageEvent(c.name, messageId(index), { createTime: createTime(index % DISTINCT_TIMES) })),
      })),
    );
  }, 120_000);

  it(`returns all ${TOTAL} messages once each in pages of 100, newest first with ties in a stable order`, async () => {
    const { seen, pages } = await pageThrough(c.name, 100);
    expect(pages).toBe(TOTAL / 100);
    expect(new Set(seen).size).toBe(TOTAL);
    const expected = Array.from({ length: TOTAL }, (_, index) => `${renderedTime(index % DISTINCT_TIMES)} ${messageId(index)}`)
      .sort()
      .reverse();
    expect(seen).toEqual(expected);
  }, 60_000);

  it('returns each message once with a filter and odd page sizes', async () => {
    const filter = `create_time >= "${createTime(10)}"`;
    const { seen } = await pageThrough(c.name, 37, filter);
    expect(seen).toHaveLength(15 * 100);
    expect(new Set(seen).size).toBe(15 * 100);
  }, 60_000);
});

describe('paging while new messages keep arriving', () => {
  const c = uniqueConversation();
  const INITIAL = 300;

  beforeAll(async () => {
    await ingestAll(
      Array.from({ length: INITIAL }, (_, index) => ({
        path: '/ingestMessageEvents',
        body: makePushBody(messageEvent(c.name, messageId(index), { createTime: createTime(index % 3) })),
      })),
    );
  }, 60_000);

  it('returns every message that existed when paging began exactly once, and the new ones on the next poll', async () => {
    let arrived = 0;
    const { seen } = await pageThrough(c.name, 40, '', async () => {
      // Newer messages, and a late delivery of an old one, arrive between pages.
      const fresh = Array.from({ length: 5 }, () => ({
        path: '/ingestMessageEvents',
        body: makePushBody(messageEvent(c.name, `N${String(arrived++).padStart(4, '0')}`, { createTime: '2026-11-05T13:00:00Z' })),
      }));
      await ingestAll(fresh, 5);
    });
    const initialSeen = seen.filter((entry) => entry.includes(' M'));
    expect(initialSeen).toHaveLength(INITIAL);
    expect(new Set(seen).size).toBe(seen.length);

    // Dialogflow's polling idiom: everything newer than the first item of the previous call.
    const newest = seen[0]!.split(' ')[0]!;
    const poll = await pageThrough(c.name, 1000, `create_time > "${newest}"`);
    expect(poll.seen).toHaveLength(arrived);
    expect(poll.seen.every((entry) => entry.includes(' N'))).toBe(true);
  }, 60_000);
});
