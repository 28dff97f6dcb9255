import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDialogflowConversations } from '../../shared/dialogflow/conversationsApi';
import { startDialogflowDouble, type DialogflowDouble } from '../support/dialogflowDouble';

/**
 * The Dialogflow adapter (Google's official client, REST transport) against the test double of Dialogflow's
 * REST API: proto3 JSON out, pages followed, not-found told apart, quota and outage answers retried within
 * the QPS limit, and other failures said plainly.
 */

const parent = 'projects/p/locations/global';
let double: DialogflowDouble;
const noWait = { sleep: async () => {} };

beforeAll(async () => {
  double = await startDialogflowDouble();
  for (let i = 0; i < 250; i++) {
    const name = `${parent}/conversations/c${String(i).padStart(3, '0')}`;
    double.conversations.set(name, { name, lifecycleState: 'COMPLETED', conversationStage: 'HUMAN_ASSIST_STAGE', startTime: `2026-10-01T10:${String(i % 60).padStart(2, '0')}:00.123456789Z`, conversationProfile: `${parent}/conversationProfiles/cp`, phoneNumber: { phoneNumber: '+15550100' } });
  }
  double.messages.set(`${parent}/conversations/c000`, Array.from({ length: 130 }, (_, i) => ({
    name: `${parent}/conversations/c000/messages/m${i}`,
    content: `text ${i}`,
    participantRole: i % 2 ? 'END_USER' : 'HUMAN_AGENT',
    createTime: new Date(Date.UTC(2026, 9, 1, 10, 0, i)).toISOString(),
    sentimentAnalysis: { queryTextSentiment: { score: 0.25, magnitude: 0.5 } },
  })));
});

afterAll(() => double.close());

describe('Dialogflow conversations through the official client', () => {
  it('gets a conversation as proto3 JSON: RFC 3339 times with every nanosecond, enums by name, nothing defaulted', async () => {
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 1000, ...noWait });
    const answer = await api.getConversation(`${parent}/conversations/c001`);
    expect(answer).toEqual({
      found: true,
      conversation: {
        name: `${parent}/conversations/c001`,
        lifecycleState: 'COMPLETED',
        conversationProfile: `${parent}/conversationProfiles/cp`,
        phoneNumber: { phoneNumber: '+15550100' },
        startTime: '2026-10-01T10:01:00.123456789Z',
        conversationStage: 'HUMAN_ASSIST_STAGE',
      },
    });
  });

  it('tells a conversation Dialogflow does not have (purged after 30 days) from a failure', async () => {
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 1000, ...noWait });
    expect(await api.getConversation(`${parent}/conversations/gone`)).toEqual({ found: false });
  });

  it('lists every conversation of a parent, page after page', async () => {
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 1000, ...noWait });
    const before = double.requests.length;
    const names: string[] = [];
    for await (const conversation of api.listConversations(parent)) names.push(String(conversation['name']));
    expect(names).toHaveLength(250);
    expect(new Set(names).size).toBe(250);
    expect(double.requests.slice(before).map((r) => r.pageToken !== undefined)).toEqual([false, true, true]);
  });

  it("lists a conversation's messages, newest first, as proto3 JSON", async () => {
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 1000, ...noWait });
    const listed = [];
    for await (const message of api.listMessages(`${parent}/conversations/c000`)) listed.push(message);
    expect(listed).toHaveLength(130);
    expect(listed[0]).toEqual({
      name: `${parent}/conversations/c000/messages/m129`,
      content: 'text 129',
      participantRole: 'END_USER',
      createTime: '2026-10-01T10:02:09Z',
      sentimentAnalysis: { queryTextSentiment: { score: 0.25, magnitude: 0.5 } },
    });
  });

  it('retries quota and outage answers with backoff, and counts every attempt', async () => {
    const retries: string[] = [];
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 1000, ...noWait, onRetry: (_what, attempt, _delay, reason) => retries.push(`${attempt} ${reason}`) });
    double.failNext(429, 1);
    double.failNext(503, 1);
    expect(await api.getConversation(`${parent}/conversations/c002`)).toMatchObject({ found: true });
    expect(retries).toEqual(['1 429 RESOURCE_EXHAUSTED', '2 503 UNAVAILABLE']);
    expect(api.calls()).toBe(3);
  });

  it("waits as long as a 429's Retry-After asks, and holds every other call of the client back as long", async () => {
    const waits: number[] = [];
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 1000, maxBackoffMs: 1000, sleep: async (ms) => void waits.push(ms) });
    double.failNext(429, 1, { retryAfterSeconds: 7 });
    expect(await api.getConversation(`${parent}/conversations/c002`)).toMatchObject({ found: true });
    // The retry waits 7 s (once), not the first backoff's 0.5 to 1 s; a call made meanwhile waits for the same slot.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(6900);
    const before = waits.length;
    await api.getConversation(`${parent}/conversations/c003`);
    expect(waits.slice(before).every((ms) => ms > 6000)).toBe(true);
    expect(waits.length).toBeGreaterThan(before);
  });

  it('begins no retry that would wait past retryUntil, and says the failure may pass (retryable)', async () => {
    const waits: number[] = [];
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 1000, sleep: async (ms) => void waits.push(ms) });
    double.failNext(503, 1);
    await expect(api.getConversation(`${parent}/conversations/c002`, { retryUntil: Date.now() + 100 })).rejects.toMatchObject({ code: 503, retryable: true });
    expect(waits).toEqual([]);
    expect(api.calls()).toBe(1);
  });

  it('gives up after maxAttempts, saying what failed and how often', async () => {
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 1000, maxAttempts: 3, ...noWait });
    double.failNext(503, 3);
    await expect(api.getConversation(`${parent}/conversations/c002`)).rejects.toThrow(
      `conversations.get ${parent}/conversations/c002: 503 UNAVAILABLE (after 3 attempts)`,
    );
  });

  it('does not retry what another attempt cannot fix', async () => {
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 1000, ...noWait });
    const list = async (conversation: string) => {
      for await (const _ of api.listMessages(conversation)) void _;
    };
    await expect(list(`${parent}/conversations/none`)).rejects.toMatchObject({ code: 404 });
    expect(api.calls()).toBe(1);
    // A name the client's own path template refuses is never sent.
    await expect(list('projects/p/nonsense')).rejects.toThrow(/Cannot build HTTP request .* \(after 1 attempt\)/);
    expect(api.calls()).toBe(2);
  });

  it('spaces its calls to stay within the QPS limit', async () => {
    const waits: number[] = [];
    const api = createDialogflowConversations('global', { endpoint: double.url, qps: 4, sleep: async (ms) => void waits.push(ms) });
    for (let i = 0; i < 5; i++) await api.getConversation(`${parent}/conversations/c00${i}`);
    // 4 per second: every call after the first waits for its 250 ms slot (less the time the previous calls took).
    const total = waits.reduce((a, b) => a + b, 0);
    expect(waits.length).toBeGreaterThanOrEqual(4);
    expect(total).toBeGreaterThan(4 * 250 - 200);
  });
});
