import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toListedParticipantRecord } from '../../shared/domain/dialogflowResources';
import { parseConversationName } from '../../shared/domain/resourceNames';
import { toSortableTimestamp } from '../../shared/domain/timestamps';
import { createFirestoreConversationStore, toParticipantDocument } from '../../shared/firestore/conversationStore';
import { participantsCollection } from '../../shared/firestore/paths';
import { lifecycleEvent, makePushBody, messageEvent, uniqueProject } from '../support/builders';
import { seedMessages } from '../support/seed';
import { baseUrl, ingestAll, testFirestore } from '../support/stack';

/**
 * The transcript viewer in a real browser (Debian's Chromium, driven by playwright-core) against the running
 * stack: the list and its filter, a transcript's order, roles, sentiment and timeline, markup shown as text with
 * nothing run, no script errors, a transcript of 2,000 messages that opens at once and pages in, and a
 * conversation's participants: listed with their roles and Dialogflow's fields, named on each message, read to a
 * bound of pages, and a failure of theirs told in one line under a transcript that still opens.
 */

const CHROMIUM = '/usr/bin/chromium';
const project = uniqueProject();
const parent = `projects/${project}/locations/global`;
const name = (id: string) => `${parent}/conversations/${id}`;
const MARKUP = '<img src=x onerror="window.__injected = 1"><script>window.__injected = 2</script><b>bold?</b>';
/** The participants' conversations, under a project of their own: the list tests count this project's conversations. */
const peopleParent = `projects/${uniqueProject()}/locations/global`;
const people = (id: string) => `${peopleParent}/conversations/${id}`;
const ROLE_MARKUP = '<b>AGENT</b><img src=x onerror="window.__injected = 3">';

// The page's elements as these tests read them (the project compiles without the DOM's types).
interface Node {
  textContent: string | null;
  querySelector(selector: string): Node | null;
  querySelectorAll(selector: string): ArrayLike<Node>;
}

let browser: Browser;
let page: Page;
const problems: string[] = [];
/**
 * The requests these tests make fail on purpose: a conversation that does not exist, an id the API cannot hold,
 * and the participants of `pair` when the browser is made to answer them 503.
 */
const EXPECTED_FAILURES = [`/v2/${name('nowhere')}`, `/v2/${name('alpha%23x')}`, `/v2/${name('alpha%23x')}/messages?pageSize=200`, `/v2/${people('pair')}/participants?pageSize=100`];
/** Every API request the page made, as sent. */
const requested: string[] = [];

const message = (conversation: string, id: string, createTime: string, role: string, content: string, extra: Record<string, unknown> = {}) => ({
  path: '/ingestMessageEvents',
  body: makePushBody(messageEvent(name(conversation), id, { createTime, participantRole: role, content, ...extra })),
});
/** A message of `people(conversation)` from its participant `participant`. */
const spoken = (conversation: string, id: string, createTime: string, participant: string, role: string, content: string) => ({
  path: '/ingestMessageEvents',
  body: makePushBody(messageEvent(people(conversation), id, { createTime, participant: `${people(conversation)}/participants/${participant}`, participantRole: role, content })),
});

/** What Dialogflow's participants.list says of a participant, stored as reconcile and backfill store it. */
async function storeListedParticipant(conversation: string, participant: Record<string, unknown>): Promise<void> {
  const id = parseConversationName(people(conversation))!;
  const record = toListedParticipantRecord(id, { name: `${people(conversation)}/participants/${participant['id']}`, ...participant, id: undefined }, undefined);
  if (!record.ok) throw new Error(record.problem);
  await createFirestoreConversationStore(testFirestore(), { deadlineMs: 10_000, retentionDays: 0 }).mergeListedParticipant(record.value);
}

/** `count` participants of one conversation, written in batches as ingest writes a message's participant. */
async function seedParticipants(conversation: string, count: number): Promise<void> {
  const id = parseConversationName(people(conversation))!;
  const firstMessageTime = toSortableTimestamp('2026-11-21T12:00:00Z')!;
  for (let start = 0; start < count; start += 500) {
    const batch = testFirestore().batch();
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const participantId = `P${String(i).padStart(4, '0')}`;
      batch.set(participantsCollection(testFirestore(), id).doc(participantId), toParticipantDocument({ conversation: id, participantId, role: 'END_USER', firstMessageTime }, 0));
    }
    await batch.commit();
  }
}

/** Each element's spans' texts, in order. */
const spansOf = (selector: string) => page.locator(selector).evaluateAll((items) => (items as unknown as Node[]).map((item) => Array.from(item.querySelectorAll('span'), (span) => span.textContent)));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The viewer's browser tests need Debian's Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run installs it when missing)`);
  }
  await ingestAll([
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('alpha'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-20T10:00:00Z' }) },
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('alpha'), 'HUMAN_INTERVENTION_NEEDED'), { publishTime: '2026-11-20T10:02:00Z' }) },
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('alpha'), 'UNRECOVERABLE_ERROR', { errorStatus: { code: 13, message: 'Speech recognition failed' } }), { publishTime: '2026-11-20T10:03:00Z' }) },
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('alpha'), 'CONVERSATION_FINISHED'), { publishTime: '2026-11-20T10:10:00Z' }) },
    message('alpha', 'a3', '2026-11-20T10:04:00Z', 'HUMAN_AGENT', 'This is Dana, I can help.'),
    message('alpha', 'a1', '2026-11-20T10:00:05Z', 'END_USER', 'My order never arrived', { sentimentAnalysis: { queryTextSentiment: { score: -0.6, magnitude: 0.8 } } }),
    message('alpha', 'a2', '2026-11-20T10:00:06Z', 'AUTOMATED_AGENT', 'Let me connect you to an agent.'),
    message('alpha', 'a4', '2026-11-20T10:05:00Z', 'END_USER', MARKUP),
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('beta'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-25T09:00:00Z' }) },
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('long'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-22T08:00:00Z' }) },
    spoken('pair', 'p1', '2026-11-21T12:00:00Z', 'customer', 'END_USER', 'I was charged twice'),
    spoken('pair', 'p2', '2026-11-21T12:01:00Z', 'agent-7', 'HUMAN_AGENT', 'Let me look at that.'),
    spoken('pair', 'p3', '2026-11-21T12:02:00Z', 'customer', 'END_USER', 'Thank you'),
    spoken('marked', 'm1', '2026-11-21T13:00:00Z', 'caller', 'END_USER', 'Hello'),
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(people('crowd'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-21T12:00:00Z' }) },
  ], 50);
  // Dialogflow's word on two participants (reconcile's and backfill's), and more participants than the viewer reads.
  await storeListedParticipant('pair', { id: 'agent-7', role: 'HUMAN_AGENT', sipRecordingMediaLabel: '2', obfuscatedExternalUserId: 'a7f3' });
  await storeListedParticipant('marked', { id: 'caller', role: ROLE_MARKUP, sipRecordingMediaLabel: MARKUP, documentsMetadataFilters: { '<i>market</i>': '<u>EU</u>' } });
  await seedParticipants('crowd', 1_050);
  // 2,000 messages written as ingest writes them, in batches: what is tested is reading them.
  await seedMessages(testFirestore(), name('long'), Array.from({ length: 2000 }, (_, i) => ({ id: `L${String(i).padStart(4, '0')}`, createTime: new Date(Date.UTC(2026, 10, 22, 8) + i * 1000).toISOString(), role: i % 2 ? 'END_USER' : 'HUMAN_AGENT', content: `line ${i}` })));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (entry) => {
    // A failed request is told below, by its URL; every other console error is a problem.
    if (entry.type() === 'error' && !entry.text().startsWith('Failed to load resource')) problems.push(`console error: ${entry.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !EXPECTED_FAILURES.some((path) => response.url().endsWith(path))) problems.push(`${response.status()} for ${response.url()}`);
  });
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/v2/')) requested.push(request.url().slice(baseUrl().length));
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const rows = () => page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from((tr as unknown as Node).querySelectorAll('td'), (td) => td.textContent?.trim())));

describe('the viewer', () => {
  it("lists a location's conversations newest first, with their state, times, interventions and errors, and filters them", async () => {
    await page.goto(`${baseUrl()}/#/${parent}`);
    await page.getByText('Page 1: 3 conversations').waitFor();
    expect(await rows()).toEqual([
      ['beta', 'IN_PROGRESS', '2026-11-25 09:00:00 UTC', '', '0', '0'],
      ['long', 'IN_PROGRESS', '2026-11-22 08:00:00 UTC', '', '0', '0'],
      ['alpha', 'COMPLETED', '2026-11-20 10:00:00 UTC', '2026-11-20 10:10:00 UTC', '1', '1'],
    ]);
    await page.selectOption('select[name=state]', 'COMPLETED');
    await page.click('button[type=submit]');
    await page.getByText('Page 1: 1 conversations').waitFor();
    expect((await rows()).map((row) => row[0])).toEqual(['alpha']);
  });

  it('shows a transcript oldest first with each speaker, time and sentiment, and the lifecycle as a timeline', async () => {
    await page.goto(`${baseUrl()}/#/${name('alpha')}`);
    await page.getByText('The conversation starts here').waitFor();
    const messages = await page.locator('article.message').evaluateAll((articles) =>
      (articles as unknown as Node[]).map((article) => [
        article.querySelector('.role')?.textContent,
        article.querySelector('time')?.textContent,
        article.querySelector('.text')?.textContent,
        article.querySelector('.sentiment')?.textContent ?? null,
      ]),
    );
    expect(messages).toEqual([
      ['End user', '2026-11-20 10:00:05 UTC', 'My order never arrived', 'sentiment -0.60 (magnitude 0.80)'],
      ['Virtual agent', '2026-11-20 10:00:06 UTC', 'Let me connect you to an agent.', null],
      ['Human agent', '2026-11-20 10:04:00 UTC', 'This is Dana, I can help.', null],
      ['End user', '2026-11-20 10:05:00 UTC', MARKUP, null],
    ]);
    expect(await page.locator('.timeline li').allTextContents()).toEqual([
      'Started 2026-11-20 10:00:00 UTC',
      'Human needed 2026-11-20 10:02:00 UTC',
      'Error 2026-11-20 10:03:00 UTC (status 13: Speech recognition failed)',
      'Finished 2026-11-20 10:10:00 UTC',
    ]);
    await page.screenshot({ path: join(process.cwd(), '.test-output', 'viewer-transcript.png'), fullPage: true });
  });

  it('shows a message full of markup as its text, running nothing of it', async () => {
    await page.goto(`${baseUrl()}/#/${name('alpha')}`);
    await page.getByText('The conversation starts here').waitFor();
    const last = page.locator('article.message .text').last();
    expect(await last.textContent()).toBe(MARKUP);
    expect(await last.locator('img, script, b').count()).toBe(0);
    expect(await page.evaluate('window.__injected')).toBeUndefined();
  });

  it('opens a transcript of 2,000 messages at its end at once, and pages the older ones in as the reader scrolls up', async () => {
    await page.goto(`${baseUrl()}/#/${name('long')}`);
    await page.getByText('200 messages so far').waitFor();
    // One page in the page, the newest at the bottom, in view.
    expect(await page.locator('article.message').count()).toBe(200);
    expect(await page.locator('article.message .text').last().textContent()).toBe('line 1999');
    const transcript = page.locator('section.transcript');
    for (let pages = 0; pages < 20 && (await page.locator('.sentinel').textContent()) !== 'The conversation starts here'; pages++) {
      await transcript.evaluate((element) => (element.scrollTop = 0));
      const shown = await page.locator('article.message').count();
      // A function, not a string: the page's Content-Security-Policy refuses eval, as it should.
      await page.waitForFunction((count) => {
        const document = (globalThis as unknown as { document: Node }).document;
        return document.querySelectorAll('article.message').length > count || document.querySelector('.sentinel')?.textContent === 'The conversation starts here';
      }, shown);
    }
    const texts = await page.locator('article.message .text').allTextContents();
    expect(texts).toEqual(Array.from({ length: 2000 }, (_, i) => `line ${i}`));
  }, 60_000);

  it('opens the list and a transcript from deep links, and says so when a conversation does not exist', async () => {
    await page.goto(`${baseUrl()}/#/${name('nowhere')}`);
    await page.locator('#status.error').waitFor();
    expect(await page.locator('#status').textContent()).toBe(`404: Conversation ${name('nowhere')} not found`);
    await page.goto(`${baseUrl()}/#/${parent}`);
    await page.getByText('Page 1: 3 conversations').waitFor();
    await page.click(`a[href="#/${name('beta')}"]`);
    await page.getByText('No messages').waitFor();
    await page.getByText('No participants were recorded').waitFor();
    expect(page.url()).toBe(`${baseUrl()}/#/${name('beta')}`);
  });

  it("asks the API for the id a link names, %-escapes kept: C%23x is not C (once shown as C's facts with 0 messages)", async () => {
    await page.goto(`${baseUrl()}/#/${parent}`);
    await page.getByText('Page 1: 3 conversations').waitFor();
    requested.length = 0;
    await page.goto(`${baseUrl()}/#/${name('alpha%23x')}`);
    await page.locator('#status.error').waitFor();
    expect(await page.locator('#status').textContent()).toMatch(/^(400|404): /);
    expect(requested).toContain(`/v2/${name('alpha%23x')}`);
    expect(requested.filter((url) => url.startsWith(`/v2/${name('alpha')}`) && !url.includes('%23x')), 'a request for alpha itself').toEqual([]);
    expect(await page.locator('dl.facts').count(), "alpha's facts").toBe(0);
  });

  it('says a link with a malformed %-escape cannot be opened, and offers the project form (it once threw a URIError)', async () => {
    const before = problems.length;
    await page.goto(`${baseUrl()}/#/%E0%A4%A`);
    await page.locator('#status.error').waitFor();
    expect(await page.locator('#status').textContent()).toBe('This link cannot be opened: its address has a malformed %-escape. Open a project below.');
    expect(await page.locator('form.open').count()).toBe(1);
    expect(problems.slice(before)).toEqual([]);
    // And it still routes afterwards.
    await page.goto(`${baseUrl()}/#/${parent}`);
    await page.getByText('Page 1: 3 conversations').waitFor();
  });

  it("lists a conversation's participants with their roles and Dialogflow's fields, and names the participant of each message", async () => {
    requested.length = 0;
    await page.goto(`${baseUrl()}/#/${people('pair')}`);
    await page.getByText('The conversation starts here').waitFor();
    await page.locator('.participants li').first().waitFor();
    expect(await spansOf('.participants li')).toEqual([
      ['agent-7', 'Human agent', 'SIP recording media label: 2', 'Obfuscated external user id: a7f3'],
      ['customer', 'End user'],
    ]);
    // The list and nothing else: no note that more exist, no stray text beside it.
    expect(await page.locator('section.participants').textContent()).toBe('agent-7Human agentSIP recording media label: 2Obfuscated external user id: a7f3customerEnd user');
    const messages = await page.locator('article.message').evaluateAll((articles) =>
      (articles as unknown as Node[]).map((article) => [article.querySelector('.role')?.textContent, article.querySelector('.participant')?.textContent, article.querySelector('.text')?.textContent]),
    );
    expect(messages).toEqual([
      ['End user', 'customer', 'I was charged twice'],
      ['Human agent', 'agent-7', 'Let me look at that.'],
      ['End user', 'customer', 'Thank you'],
    ]);
    // Asked for under the conversation's path as the messages are, each segment encoded the same way.
    expect(requested.filter((url) => url.includes('/participants'))).toEqual([`/v2/${people('pair')}/participants?pageSize=100`]);
  });

  it('shows a participant whose role, label and filters are markup as their text, running nothing of them', async () => {
    await page.goto(`${baseUrl()}/#/${people('marked')}`);
    await page.locator('.participants li').first().waitFor();
    expect(await spansOf('.participants li')).toEqual([['caller', ROLE_MARKUP, `SIP recording media label: ${MARKUP}`, 'Document metadata filters: <i>market</i>=<u>EU</u>']]);
    expect(await page.locator('.participants').locator('img, script, b, i, u').count()).toBe(0);
    expect(await page.evaluate('window.__injected')).toBeUndefined();
  });

  it('follows the participants to ten pages of 100 and says more exist beyond them', async () => {
    requested.length = 0;
    await page.goto(`${baseUrl()}/#/${people('crowd')}`);
    await page.getByText('More participants exist than the 1000 shown').waitFor();
    const ids = await page.locator('.participants li .participant').allTextContents();
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => `P${String(i).padStart(4, '0')}`));
    const asked = requested.filter((url) => url.includes('/participants'));
    expect(asked).toHaveLength(10);
    expect(asked.filter((url) => url.includes('pageToken=')), 'every page after the first asked with its token').toHaveLength(9);
  });

  it('says in one line that the participants could not be loaded, and shows the transcript all the same', async () => {
    await page.route(`**/v2/${people('pair')}/participants?*`, (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 503, message: 'The history store is unavailable; retry with backoff', status: 'UNAVAILABLE' } }) }),
    );
    try {
      await page.goto(`${baseUrl()}/#/${people('pair')}`);
      await page.getByText('The conversation starts here').waitFor();
      await page.locator('.participants .note.error').waitFor();
      expect(await page.locator('.participants').textContent()).toBe('The participants could not be loaded: 503: The history store is unavailable; retry with backoff');
      expect(await page.locator('article.message').count()).toBe(3);
      expect(await page.locator('#status').textContent()).toBe('3 messages');
    } finally {
      await page.unroute(`**/v2/${people('pair')}/participants?*`);
    }
  });

  it('raised no script error and opened no dialog in all of the above', () => {
    expect(problems).toEqual([]);
  });
});
