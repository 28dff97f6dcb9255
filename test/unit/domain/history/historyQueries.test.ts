import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyConversationState, type ConversationState } from '../../../../shared/domain/conversationState';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_BYTES,
  MAX_PAGE_SIZE,
  createHistoryQueries,
  parsePageSize,
  type HistoryResult,
  type ListParameters,
} from '../../../../shared/domain/history/historyQueries';
import { rowBytes, type ConversationScan, type ConversationWindow, type HistoryReader, type PageWindow, type ParticipantRow } from '../../../../shared/domain/history/ports';
import type { KeyRange } from '../../../../shared/domain/history/queryPlans';
import { parseConversationName, type ConversationId, type ConversationParent } from '../../../../shared/domain/resourceNames';
import { createPageTokenCodec } from '../../../../shared/platform/pageTokens';

const SECRET = 'unit-test-secret';
const names = { enumsAsNumbers: false };
const PARENT: ConversationParent = { project: 'p', location: 'global' };
const OTHER_LOCATION: ConversationParent = { project: 'p', location: 'us-central1' };

interface StoredMessage {
  sortKey: string;
  payloadJson: string;
}

interface FakeData {
  conversations?: ConversationState[];
  /** Messages by canonical conversation name. */
  messages?: Record<string, StoredMessage[]>;
  /** Conversations whose messages remain but which read as none (erased). */
  erased?: string[];
  /** Participants by canonical conversation name. */
  participants?: Record<string, ParticipantRow[]>;
}

interface Calls {
  getConversation: number;
  listConversations: number;
  listMessages: number;
  windows: PageWindow[];
  /** Documents each conversation list read, kept or not. */
  scanned: number[];
}

const byKeyDescending = (a: { sortKey: string }, b: { sortKey: string }) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0);

/**
 * A keyset page the way the Firestore adapter reads one: range on the key, strictly below `before`, newest first,
 * limited, and closed once two or more rows weigh more than the window's bytes.
 */
function keysetPage<Row extends StoredMessage | { sortKey: string; state: ConversationState }>(rows: Row[], range: KeyRange, window: PageWindow): Row[] {
  const lt = window.before !== undefined && (range.lt === undefined || window.before < range.lt) ? window.before : range.lt;
  const page: Row[] = [];
  let bytes = 0;
  for (const row of rows.filter((row) => (range.gte === undefined || row.sortKey >= range.gte) && (lt === undefined || row.sortKey < lt)).sort(byKeyDescending)) {
    if (page.length === window.limit) break;
    page.push(row);
    bytes += rowBytes(row);
    if (bytes > window.maxBytes && page.length >= 2) break;
  }
  return page;
}

/** A conversation page as the adapter reads one with a residual: kept rows only, at most `maxScanned` documents read. */
function scanPage(rows: Array<{ sortKey: string; state: ConversationState }>, range: KeyRange, window: ConversationWindow): { result: ConversationScan; scanned: number } {
  const residual = window.residual;
  if (!residual) {
    const page = keysetPage(rows, range, window);
    return { result: { rows: page }, scanned: page.length };
  }
  const candidates = keysetPage(rows, range, { ...window, limit: residual.maxScanned, maxBytes: Infinity });
  const kept: typeof rows = [];
  let bytes = 0;
  let scanned = 0;
  for (const row of candidates) {
    scanned += 1;
    if (residual.keep(row.state)) {
      kept.push(row);
      bytes += rowBytes(row);
      if (kept.length >= window.limit || (bytes > window.maxBytes && kept.length >= 2)) return { result: { rows: kept }, scanned };
    }
  }
  const stopped = scanned >= residual.maxScanned ? { scannedTo: candidates[scanned - 1]!.sortKey } : {};
  return { result: { rows: kept, ...stopped }, scanned };
}

function createFakeReader(data: FakeData): { reader: HistoryReader; calls: Calls } {
  const calls: Calls = { getConversation: 0, listConversations: 0, listMessages: 0, windows: [], scanned: [] };
  const conversations = data.conversations ?? [];
  const reader: HistoryReader = {
    async getConversation(conversation) {
      calls.getConversation++;
      // As ingest stores them, messages have their conversation (at least the empty state); `erased` has none.
      const withMessages = data.messages?.[conversation.name] && !data.erased?.includes(conversation.name) ? emptyConversationState(conversation) : undefined;
      return conversations.find((state) => state.name === conversation.name) ?? withMessages;
    },
    async listConversations(parent, plan, window) {
      calls.listConversations++;
      calls.windows.push(window);
      const rows = conversations
        .filter((state) => state.project === parent.project && state.location === parent.location)
        .filter((state) => plan.lifecycleState === undefined || state.lifecycleState === plan.lifecycleState)
        .map((state) => ({ sortKey: `${(plan.orderBy === 'startSortKey' ? state.startTime : state.endTime) ?? ''}#${state.conversationId}`, state }));
      const scan = scanPage(rows, plan.range, window);
      calls.scanned.push(scan.scanned);
      return scan.result;
    },
    async listMessages(conversation, range, window) {
      calls.listMessages++;
      calls.windows.push(window);
      return keysetPage([...(data.messages?.[conversation.name] ?? [])], range, window);
    },
    async getParticipant(conversation, participantId) {
      return data.participants?.[conversation.name]?.find((row) => row.sortKey === participantId);
    },
    async listParticipants(conversation, window) {
      const rows = [...(data.participants?.[conversation.name] ?? [])].sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
      return rows.filter((row) => window.after === undefined || row.sortKey > window.after).slice(0, window.limit);
    },
  };
  return { reader, calls };
}

function setup(data: FakeData = {}, secret = SECRET, maxPageBytes?: number, maxScannedPerPage?: number) {
  const { reader, calls } = createFakeReader(data);
  const queries = createHistoryQueries({
    reader,
    tokens: createPageTokenCodec(secret),
    servesProject: (project) => project === 'p',
    ...(maxPageBytes ? { maxPageBytes } : {}),
    ...(maxScannedPerPage ? { maxScannedPerPage } : {}),
  });
  return { queries, calls };
}

const conversationId = (id: string, location = 'global') => parseConversationName(`projects/p/locations/${location}/conversations/${id}`)!;

function conversation(id: string, startTime: string | null, endTime: string | null = null, location = 'global'): ConversationState {
  return {
    ...emptyConversationState(conversationId(id, location)),
    startTime,
    endTime,
    lifecycleState: endTime === null ? 'IN_PROGRESS' : 'COMPLETED',
  };
}

/** A sortable timestamp `n` seconds after 2026-01-01T00:00:00Z. */
const at = (n: number) => `${new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString().slice(0, 19)}.000000000Z`;

function message(conversationName: string, messageId: string, createTime: string): StoredMessage {
  return {
    sortKey: `${createTime}#${messageId}`,
    payloadJson: JSON.stringify({ name: `${conversationName}/messages/${messageId}`, content: `text ${messageId}`, createTime, participantRole: 'END_USER' }),
  };
}

function expectOk<T>(result: HistoryResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

const conversationNames = (value: Record<string, unknown>) => (value['conversations'] as Array<Record<string, unknown>>).map((c) => c['name'] as string);
const messageNames = (value: Record<string, unknown>) => (value['messages'] as Array<Record<string, unknown>>).map((m) => m['name'] as string);

type Queries = ReturnType<typeof setup>['queries'];

async function allConversationPages(queries: Queries, parent: ConversationParent, params: ListParameters) {
  const pages: Array<Record<string, unknown>> = [];
  let pageToken: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const page = expectOk(await queries.listConversations(parent, { ...params, ...(pageToken !== undefined ? { pageToken } : {}) }, names));
    pages.push(page);
    pageToken = page['nextPageToken'] as string | undefined;
    if (pageToken === undefined) return pages;
  }
  throw new Error('paging did not end');
}

async function allMessagePages(queries: Queries, id: ConversationId, params: ListParameters) {
  const pages: Array<Record<string, unknown>> = [];
  let pageToken: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const page = expectOk(await queries.listMessages(id, { ...params, ...(pageToken !== undefined ? { pageToken } : {}) }, names));
    pages.push(page);
    pageToken = page['nextPageToken'] as string | undefined;
    if (pageToken === undefined) return pages;
  }
  throw new Error('paging did not end');
}

describe('parsePageSize', () => {
  const cases: Array<{ name: string; input: string | undefined; expected: number | 'invalid' }> = [
    { name: 'absent means the default', input: undefined, expected: DEFAULT_PAGE_SIZE },
    { name: 'empty means the default', input: '', expected: DEFAULT_PAGE_SIZE },
    { name: '0 means the default', input: '0', expected: 100 },
    { name: '-0 means the default', input: '-0', expected: 100 },
    { name: '1 is 1', input: '1', expected: 1 },
    { name: '250 is 250', input: '250', expected: 250 },
    { name: 'leading zeros are a whole number', input: '007', expected: 7 },
    { name: 'the maximum is kept', input: '1000', expected: MAX_PAGE_SIZE },
    { name: '1001 is lowered to the maximum', input: '1001', expected: 1000 },
    { name: 'a twelve-digit size is lowered to the maximum', input: '999999999999', expected: 1000 },
    { name: 'a negative size is invalid', input: '-1', expected: 'invalid' },
    { name: 'a fractional size is invalid', input: '1.5', expected: 'invalid' },
    { name: 'a word is invalid', input: 'abc', expected: 'invalid' },
    { name: 'an exponent is invalid', input: '1e3', expected: 'invalid' },
    { name: 'a plus sign is invalid', input: '+5', expected: 'invalid' },
    { name: 'surrounding spaces are invalid', input: ' 5', expected: 'invalid' },
    { name: 'a hexadecimal size is invalid', input: '0x10', expected: 'invalid' },
    { name: 'a thirteen-digit size is invalid', input: '1000000000000', expected: 'invalid' },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    const result = parsePageSize(input);
    if (expected === 'invalid') {
      expect(result).toMatchObject({ ok: false, error: { kind: 'invalid_argument' } });
      if (!result.ok) expect(result.error.message).toMatch(/pageSize/);
    } else {
      expect(result).toStrictEqual({ ok: true, value: expected });
    }
  });

  const windows = [
    { name: 'an absent size reads the default plus one', input: undefined, expected: 101 },
    { name: 'size 0 reads the default plus one', input: '0', expected: 101 },
    { name: 'size 1001 reads the maximum plus one', input: '1001', expected: 1001 },
    { name: 'size 7 reads eight', input: '7', expected: 8 },
  ];

  it.each(windows)('asks the reader for one row more than the page: $name', async ({ input, expected }) => {
    const { queries, calls } = setup({ conversations: [conversation('Cv1', at(1))] });
    expectOk(await queries.listConversations(PARENT, input === undefined ? {} : { pageSize: input }, names));
    expect(calls.windows).toStrictEqual([{ limit: expected, maxBytes: MAX_PAGE_BYTES }]);
  });

  const refused = [
    { name: 'negative', input: '-1' },
    { name: 'fractional', input: '1.5' },
    { name: 'a word', input: 'abc' },
  ];

  it.each(refused)('refuses a $name pageSize in both lists without reading', async ({ input }) => {
    const { queries, calls } = setup({ conversations: [conversation('Cv1', at(1))] });
    expect(await queries.listConversations(PARENT, { pageSize: input }, names)).toMatchObject({ ok: false, error: { kind: 'invalid_argument' } });
    expect(await queries.listMessages(conversationId('Cv1'), { pageSize: input }, names)).toMatchObject({ ok: false, error: { kind: 'invalid_argument' } });
    expect(calls).toMatchObject({ getConversation: 0, listConversations: 0, listMessages: 0 });
  });
});

describe('getConversation', () => {
  const stored = conversation('Cv1', at(1), at(2));

  it('returns a stored conversation as a resource', async () => {
    const { queries } = setup({ conversations: [stored] });
    expect(expectOk(await queries.getConversation(conversationId('Cv1'), names))).toMatchObject({
      name: 'projects/p/locations/global/conversations/Cv1',
      lifecycleState: 'COMPLETED',
      startTime: '2026-01-01T00:00:01Z',
      endTime: '2026-01-01T00:00:02Z',
    });
  });

  it('renders enums as numbers when asked', async () => {
    const { queries } = setup({ conversations: [stored] });
    expect(expectOk(await queries.getConversation(conversationId('Cv1'), { enumsAsNumbers: true }))).toMatchObject({ lifecycleState: 2 });
  });

  const missing = [
    { name: 'an unknown conversation', input: conversationId('Cv2'), expected: 1 },
    { name: 'the same id in another location', input: conversationId('Cv1', 'europe-west1'), expected: 1 },
    { name: 'a conversation of a project this deployment does not serve', input: parseConversationName('projects/other/conversations/Cv1')!, expected: 0 },
  ];

  it.each(missing)('answers not_found for $name', async ({ input, expected }) => {
    const { queries, calls } = setup({ conversations: [stored] });
    const result = await queries.getConversation(input, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    if (!result.ok) expect(result.error.message).toContain(input.name);
    expect(calls.getConversation).toBe(expected);
  });
});

describe('listConversations', () => {
  const pagingCases = [
    { name: 'no conversations give one empty page without a token', input: { count: 0, pageSize: 5 }, expected: [0] },
    { name: 'fewer than a page give one page without a token', input: { count: 3, pageSize: 5 }, expected: [3] },
    { name: 'exactly a page gives one page without a token', input: { count: 5, pageSize: 5 }, expected: [5] },
    { name: 'one more than a page gives two pages', input: { count: 6, pageSize: 5 }, expected: [5, 1] },
    { name: 'exactly three pages give three pages, the last without a token', input: { count: 15, pageSize: 5 }, expected: [5, 5, 5] },
    { name: 'page size 1 gives one page per conversation', input: { count: 4, pageSize: 1 }, expected: [1, 1, 1, 1] },
    { name: 'the default page size holds 100', input: { count: 101, pageSize: 0 }, expected: [100, 1] },
  ];

  it.each(pagingCases)('$name', async ({ input, expected }) => {
    // Every third conversation shares a start time with the previous one, and one has none.
    const conversations = Array.from({ length: input.count }, (_, i) =>
      conversation(`Cv${String(i).padStart(3, '0')}`, i === 1 ? null : at(Math.floor(i / 3)), null),
    );
    const { queries } = setup({ conversations });
    const pages = await allConversationPages(queries, PARENT, { pageSize: String(input.pageSize) });
    expect(pages.map((page) => (page['conversations'] as unknown[]).length)).toStrictEqual(expected);
    pages.forEach((page, i) => expect('nextPageToken' in page).toBe(i < pages.length - 1));
    const sorted = conversations
      .map((state) => ({ sortKey: `${state.startTime ?? ''}#${state.conversationId}`, name: state.name }))
      .sort(byKeyDescending)
      .map(({ name }) => name);
    expect(pages.flatMap(conversationNames)).toStrictEqual(sorted);
  });

  it('lists only the conversations of the parent location', async () => {
    const { queries } = setup({ conversations: [conversation('Cv1', at(1)), conversation('Cv2', at(2), null, 'us-central1'), conversation('Cv3', at(3))] });
    expect(conversationNames(expectOk(await queries.listConversations(PARENT, {}, names)))).toStrictEqual([
      'projects/p/locations/global/conversations/Cv3',
      'projects/p/locations/global/conversations/Cv1',
    ]);
    expect(conversationNames(expectOk(await queries.listConversations(OTHER_LOCATION, {}, names)))).toStrictEqual([
      'projects/p/locations/us-central1/conversations/Cv2',
    ]);
  });

  const filterCases = [
    { name: 'lifecycle_state = COMPLETED', input: 'lifecycle_state = COMPLETED', expected: ['Cv4', 'Cv2'] },
    { name: 'lifecycle_state != COMPLETED', input: 'lifecycle_state != COMPLETED', expected: ['Cv3', 'Cv1', 'Cv5'] },
    { name: 'start_time > at(2)', input: `start_time > "${at(2)}"`, expected: ['Cv4', 'Cv3'] },
    { name: 'start_time <= at(2) excludes the conversation without a start', input: `start_time <= "${at(2)}"`, expected: ['Cv2', 'Cv1'] },
    { name: 'end_time alone orders by end time', input: `end_time >= "${at(0)}"`, expected: ['Cv2', 'Cv4'] },
    { name: 'start and end time check the end on each read', input: `start_time >= "${at(2)}" AND end_time < "${at(15)}"`, expected: ['Cv4'] },
    { name: 'contradictory bounds match nothing', input: `start_time > "${at(3)}" AND start_time < "${at(1)}"`, expected: [] },
  ];

  it.each(filterCases)('filters by $name', async ({ input, expected }) => {
    const { queries } = setup({
      conversations: [
        conversation('Cv1', at(1)),
        conversation('Cv2', at(2), at(20)),
        conversation('Cv3', at(3)),
        conversation('Cv4', at(4), at(10)),
        conversation('Cv5', null),
      ],
    });
    const pages = await allConversationPages(queries, PARENT, { filter: input, pageSize: '1' });
    expect(pages.flatMap(conversationNames)).toStrictEqual(expected.map((id) => conversationId(id).name));
  });

  it('answers a filter that matches nothing without reading', async () => {
    const { queries, calls } = setup({ conversations: [conversation('Cv1', at(1))] });
    const result = expectOk(await queries.listConversations(PARENT, { filter: 'lifecycle_state = COMPLETED lifecycle_state = IN_PROGRESS' }, names));
    expect(result).toStrictEqual({ conversations: [] });
    expect(calls.listConversations).toBe(0);
  });

  it('reads at most the scan bound with a residual, and may return fewer conversations than the page size, but still a token', async () => {
    // Ordered by start time: Cv6, Cv5 (ends too late), Cv4 (no end), Cv3, Cv2 (ends too late), Cv1.
    const conversations = [
      conversation('Cv1', at(1), at(5)),
      conversation('Cv2', at(2), at(500)),
      conversation('Cv3', at(3), at(6)),
      conversation('Cv4', at(4)),
      conversation('Cv5', at(5), at(600)),
      conversation('Cv6', at(6), at(7)),
    ];
    const { queries, calls } = setup({ conversations }, SECRET, undefined, 3);
    const params = { pageSize: '3', filter: `start_time >= "${at(0)}" AND end_time < "${at(100)}"` };
    const first = expectOk(await queries.listConversations(PARENT, params, names));
    expect(conversationNames(first)).toStrictEqual([conversationId('Cv6').name]);
    expect(typeof first['nextPageToken']).toBe('string');
    const second = expectOk(await queries.listConversations(PARENT, { ...params, pageToken: first['nextPageToken'] as string }, names));
    expect(conversationNames(second)).toStrictEqual([conversationId('Cv3').name, conversationId('Cv1').name]);
    // It read its 3 documents and stopped there, not knowing that none was left: an empty last page follows.
    const third = expectOk(await queries.listConversations(PARENT, { ...params, pageToken: second['nextPageToken'] as string }, names));
    expect(third).toStrictEqual({ conversations: [] });
    expect(calls.scanned).toStrictEqual([3, 3, 0]);
    // At the default bound one page holds all three.
    const unbounded = expectOk(await setup({ conversations }).queries.listConversations(PARENT, params, names));
    expect(conversationNames(unbounded)).toStrictEqual(['Cv6', 'Cv3', 'Cv1'].map((id) => conversationId(id).name));
    expect(unbounded).not.toHaveProperty('nextPageToken');
  });

  it('may return an empty page with a token when the residual filters out a whole window', async () => {
    const conversations = [conversation('Cv1', at(1), at(5)), conversation('Cv2', at(2), at(500)), conversation('Cv3', at(3), at(600))];
    const { queries } = setup({ conversations }, SECRET, undefined, 2);
    const pages = await allConversationPages(queries, PARENT, { pageSize: '2', filter: `start_time >= "${at(0)}" end_time < "${at(100)}"` });
    expect(pages.map(conversationNames)).toStrictEqual([[], [conversationId('Cv1').name]]);
  });

  it('renders the listed conversations as asked', async () => {
    const { queries } = setup({ conversations: [conversation('Cv1', at(1), at(2))] });
    const page = expectOk(await queries.listConversations(PARENT, {}, { enumsAsNumbers: true }));
    expect(page['conversations']).toMatchObject([{ lifecycleState: 2, startTime: '2026-01-01T00:00:01Z' }]);
  });

  it('answers not_found for a project this deployment does not serve, without reading', async () => {
    const { queries, calls } = setup({ conversations: [conversation('Cv1', at(1))] });
    const result = await queries.listConversations({ project: 'other', location: 'global' }, {}, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'not_found', message: expect.stringContaining('other') } });
    expect(calls).toMatchObject({ getConversation: 0, listConversations: 0, listMessages: 0 });
  });

  it('refuses an invalid filter as invalid_argument naming the problem', async () => {
    const { queries, calls } = setup();
    const result = await queries.listConversations(PARENT, { filter: 'participant = "x"' }, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid_argument', message: expect.stringContaining("'participant'") } });
    expect(calls.listConversations).toBe(0);
  });

  it('refuses a filter syntax error as invalid_argument', async () => {
    const { queries } = setup();
    const result = await queries.listConversations(PARENT, { filter: 'lifecycle_state = COMPLETED OR' }, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid_argument', message: expect.stringContaining('ends where a comparison was expected') } });
  });
});

describe('page tokens in listConversations', () => {
  const conversations = Array.from({ length: 6 }, (_, i) => conversation(`Cv${i}`, at(i), i % 2 === 0 ? at(100 + i) : null));

  async function firstToken(parent: ConversationParent, filter: string) {
    const { queries } = setup({ conversations });
    const page = expectOk(await queries.listConversations(parent, { pageSize: '1', filter }, names));
    return page['nextPageToken'] as string;
  }

  const reuse = [
    { name: 'another filter', input: { parent: PARENT, filter: 'lifecycle_state = COMPLETED' }, expected: 'different request' },
    { name: 'no filter', input: { parent: PARENT, filter: '' }, expected: 'different request' },
    { name: 'another location', input: { parent: OTHER_LOCATION, filter: `start_time >= "${at(0)}"` }, expected: 'different request' },
  ];

  it.each(reuse)('refuses a token reused with $name as invalid_argument', async ({ input, expected }) => {
    const token = await firstToken(PARENT, `start_time >= "${at(0)}"`);
    const { queries } = setup({ conversations });
    const result = await queries.listConversations(input.parent, { pageSize: '1', filter: input.filter, pageToken: token }, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid_argument', message: expect.stringContaining(expected) } });
  });

  const sameMeaning = [
    { name: 'the same filter spelled differently', input: 'start_time>="2026-01-01T01:00:00+01:00"' },
    { name: 'the same filter with camelCase field names', input: 'startTime >= "2026-01-01T00:00:00Z"' },
  ];

  it.each(sameMeaning)('accepts a token with $name', async ({ input }) => {
    const token = await firstToken(PARENT, `start_time >= "${at(0)}"`);
    const { queries } = setup({ conversations });
    const page = expectOk(await queries.listConversations(PARENT, { pageSize: '1', filter: input, pageToken: token }, names));
    expect(conversationNames(page)).toStrictEqual([conversationId('Cv4').name]);
  });

  it('accepts a token with another page size and continues after the last item served', async () => {
    const token = await firstToken(PARENT, '');
    const { queries } = setup({ conversations });
    const page = expectOk(await queries.listConversations(PARENT, { pageSize: '10', pageToken: token }, names));
    expect(conversationNames(page)).toStrictEqual(['Cv4', 'Cv3', 'Cv2', 'Cv1', 'Cv0'].map((id) => conversationId(id).name));
    expect(page).not.toHaveProperty('nextPageToken');
  });

  it('treats an empty pageToken as the first page', async () => {
    const { queries } = setup({ conversations });
    const page = expectOk(await queries.listConversations(PARENT, { pageSize: '1', pageToken: '' }, names));
    expect(conversationNames(page)).toStrictEqual([conversationId('Cv5').name]);
  });

  const forged = [
    { name: 'a truncated token', input: (token: string) => token.slice(0, -3) },
    { name: 'a token with a character changed in its payload', input: (token: string) => (token[0] === 'A' ? 'B' : 'A') + token.slice(1) },
    { name: 'a token with its signature dropped', input: (token: string) => token.split('.')[0]! },
    { name: 'a made-up token', input: () => 'hello.world' },
    { name: 'a token of another secret', input: () => createPageTokenCodec('another-secret').encode('anything', '9999#Cv9') },
  ];

  it.each(forged)('refuses $name as invalid_argument', async ({ input }) => {
    const token = await firstToken(PARENT, '');
    const { queries, calls } = setup({ conversations });
    const result = await queries.listConversations(PARENT, { pageSize: '1', pageToken: input(token) }, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid_argument', message: expect.stringContaining('not one this API issued') } });
    expect(calls.listConversations).toBe(0);
  });

  it('refuses a token of a deployment with another secret', async () => {
    const token = await firstToken(PARENT, '');
    const { queries } = setup({ conversations }, 'rotated-secret');
    expect(await queries.listConversations(PARENT, { pageSize: '1', pageToken: token }, names)).toMatchObject({
      ok: false,
      error: { kind: 'invalid_argument' },
    });
  });

  it('refuses a conversation-list token in a message list', async () => {
    const token = await firstToken(PARENT, '');
    const { queries } = setup({ conversations, messages: { [conversationId('Cv1').name]: [message(conversationId('Cv1').name, 'm1', at(1))] } });
    expect(await queries.listMessages(conversationId('Cv1'), { pageToken: token }, names)).toMatchObject({
      ok: false,
      error: { kind: 'invalid_argument', message: expect.stringContaining('different request') },
    });
  });
});

describe('listMessages', () => {
  const id = conversationId('Cv1');
  const other = conversationId('Cv2');

  it('answers not_found for a conversation that does not exist', async () => {
    const { queries, calls } = setup({ conversations: [conversation('Cv2', at(1))] });
    const result = await queries.listMessages(id, {}, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'not_found', message: expect.stringContaining(id.name) } });
    expect(calls.getConversation).toBe(1);
  });

  it('answers an empty list for an existing conversation without messages', async () => {
    const { queries } = setup({ conversations: [conversation('Cv1', at(1))] });
    expect(expectOk(await queries.listMessages(id, {}, names))).toStrictEqual({ messages: [] });
  });

  it('answers an empty list when a filter matches no message of an existing conversation', async () => {
    const { queries } = setup({ conversations: [conversation('Cv1', at(1))], messages: { [id.name]: [message(id.name, 'm1', at(1))] } });
    expect(expectOk(await queries.listMessages(id, { filter: `create_time > "${at(5)}"` }, names))).toStrictEqual({ messages: [] });
  });

  it('answers not_found when a contradictory filter is used on a missing conversation', async () => {
    const { queries, calls } = setup();
    const result = await queries.listMessages(id, { filter: `create_time > "${at(5)}" create_time < "${at(1)}"` }, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    expect(calls.listMessages).toBe(0);
  });

  it('reads the conversation beside every page, once', async () => {
    const { queries, calls } = setup({ messages: { [id.name]: [message(id.name, 'm1', at(1))] } });
    expect(messageNames(expectOk(await queries.listMessages(id, {}, names)))).toStrictEqual([`${id.name}/messages/m1`]);
    expect(calls.getConversation).toBe(1);
  });

  it('serves no message of a conversation that reads as none (erased), even where messages remain', async () => {
    const { queries } = setup({ messages: { [id.name]: [message(id.name, 'm1', at(1))] }, erased: [id.name] });
    expect(await queries.listMessages(id, {}, names)).toMatchObject({ ok: false, error: { kind: 'not_found' } });
  });

  it('answers not_found for a project this deployment does not serve, without reading', async () => {
    const { queries, calls } = setup({ messages: { 'projects/other/locations/global/conversations/Cv1': [] } });
    const result = await queries.listMessages(parseConversationName('projects/other/conversations/Cv1')!, {}, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    expect(calls).toMatchObject({ getConversation: 0, listConversations: 0, listMessages: 0 });
  });

  it('renders messages with times in UTC and roles as numbers when asked', async () => {
    const stored = { sortKey: `${at(1)}#m1`, payloadJson: JSON.stringify({ name: `${id.name}/messages/m1`, participantRole: 'HUMAN_AGENT', createTime: '2026-01-01T01:00:01+01:00' }) };
    const { queries } = setup({ messages: { [id.name]: [stored] } });
    expect(expectOk(await queries.listMessages(id, {}, { enumsAsNumbers: true }))).toStrictEqual({
      messages: [{ name: `${id.name}/messages/m1`, participantRole: 1, createTime: '2026-01-01T00:00:01Z' }],
    });
  });

  const pagingCases = [
    { name: 'seven messages in pages of three', input: { count: 7, pageSize: 3 }, expected: [3, 3, 1] },
    { name: 'six messages in pages of three', input: { count: 6, pageSize: 3 }, expected: [3, 3] },
    { name: 'two messages in pages of five', input: { count: 2, pageSize: 5 }, expected: [2] },
    { name: 'a thousand and one messages in pages of the maximum', input: { count: 1001, pageSize: 5000 }, expected: [1000, 1] },
  ];

  it.each(pagingCases)('pages newest first with ties broken by id: $name', async ({ input, expected }) => {
    // Four messages share each create time.
    const stored = Array.from({ length: input.count }, (_, i) => message(id.name, `m${String(i).padStart(4, '0')}`, at(Math.floor(i / 4))));
    const { queries } = setup({ conversations: [conversation('Cv1', at(0))], messages: { [id.name]: stored } });
    const pages = await allMessagePages(queries, id, { pageSize: String(input.pageSize) });
    expect(pages.map((page) => (page['messages'] as unknown[]).length)).toStrictEqual(expected);
    pages.forEach((page, i) => expect('nextPageToken' in page).toBe(i < pages.length - 1));
    const sorted = [...stored].sort(byKeyDescending).map((row) => (JSON.parse(row.payloadJson) as { name: string }).name);
    expect(pages.flatMap(messageNames)).toStrictEqual(sorted);
  });

  const filterCases = [
    { name: 'create_time >= at(2)', input: `create_time >= "${at(2)}"`, expected: ['m3', 'm2'] },
    { name: 'create_time < at(2)', input: `create_time < "${at(2)}"`, expected: ['m1', 'm0'] },
    { name: 'the polling idiom with microseconds', input: `create_time_epoch_microseconds > ${(Date.UTC(2026, 0, 1) + 1000) * 1000}`, expected: ['m3', 'm2'] },
    { name: 'an exact time', input: `create_time = "${at(1)}"`, expected: ['m1'] },
  ];

  it.each(filterCases)('filters by $name', async ({ input, expected }) => {
    const stored = [0, 1, 2, 3].map((i) => message(id.name, `m${i}`, at(i)));
    const { queries } = setup({ conversations: [conversation('Cv1', at(0))], messages: { [id.name]: stored } });
    const pages = await allMessagePages(queries, id, { pageSize: '1', filter: input });
    expect(pages.flatMap(messageNames)).toStrictEqual(expected.map((m) => `${id.name}/messages/${m}`));
  });

  const reuse = [
    { name: 'another conversation', input: { conversation: other, filter: '' } },
    { name: 'another filter', input: { conversation: id, filter: `create_time >= "${at(0)}"` } },
  ];

  it.each(reuse)('refuses a message token reused with $name', async ({ input }) => {
    const messages = {
      [id.name]: [0, 1, 2].map((i) => message(id.name, `m${i}`, at(i))),
      [other.name]: [0, 1, 2].map((i) => message(other.name, `m${i}`, at(i))),
    };
    const { queries } = setup({ messages });
    const first = expectOk(await queries.listMessages(id, { pageSize: '1' }, names));
    const token = first['nextPageToken'] as string;
    expect(typeof token).toBe('string');
    const result = await queries.listMessages(input.conversation, { pageSize: '1', filter: input.filter, pageToken: token }, names);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid_argument', message: expect.stringContaining('different request') } });
  });

  it('refuses a truncated message token', async () => {
    const { queries } = setup({ messages: { [id.name]: [0, 1].map((i) => message(id.name, `m${i}`, at(i))) } });
    const token = expectOk(await queries.listMessages(id, { pageSize: '1' }, names))['nextPageToken'] as string;
    expect(await queries.listMessages(id, { pageSize: '1', pageToken: token.slice(0, token.length - 1) }, names)).toMatchObject({
      ok: false,
      error: { kind: 'invalid_argument', message: expect.stringContaining('not one this API issued') },
    });
  });

  it('refuses an invalid filter as invalid_argument', async () => {
    const { queries } = setup({ conversations: [conversation('Cv1', at(0))] });
    expect(await queries.listMessages(id, { filter: `create_time != "${at(0)}"` }, names)).toMatchObject({
      ok: false,
      error: { kind: 'invalid_argument', message: expect.stringContaining('!=') },
    });
  });
});

describe('paging properties', () => {
  const times = [null, at(1), at(2), at(3)];
  const filters: Array<{ filter: string; keep: (state: ConversationState) => boolean; orderBy: 'startTime' | 'endTime' }> = [
    { filter: '', keep: () => true, orderBy: 'startTime' },
    { filter: 'lifecycle_state = COMPLETED', keep: (s) => s.lifecycleState === 'COMPLETED', orderBy: 'startTime' },
    { filter: `start_time >= "${at(2)}"`, keep: (s) => s.startTime !== null && s.startTime >= at(2), orderBy: 'startTime' },
    { filter: `end_time < "${at(3)}"`, keep: (s) => s.endTime !== null && s.endTime < at(3), orderBy: 'endTime' },
    {
      filter: `start_time <= "${at(2)}" AND end_time >= "${at(2)}"`,
      keep: (s) => s.startTime !== null && s.startTime <= at(2) && s.endTime !== null && s.endTime >= at(2),
      orderBy: 'startTime',
    },
  ];

  it('serves every matching conversation exactly once, newest first, whatever the page size', async () => {
    const item = fc.record({ start: fc.constantFrom(...times), end: fc.constantFrom(...times) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { maxLength: 40 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: filters.length - 1 }),
        async (items, pageSize, filterIndex) => {
          const { filter, keep, orderBy } = filters[filterIndex]!;
          const conversations = items.map(({ start, end }, i) => conversation(`Cv${i}`, start, end));
          const { queries } = setup({ conversations });
          const pages = await allConversationPages(queries, PARENT, { pageSize: String(pageSize), filter });
          const expected = conversations
            .filter(keep)
            .map((state) => ({ sortKey: `${state[orderBy] ?? ''}#${state.conversationId}`, name: state.name }))
            .sort(byKeyDescending)
            .map(({ name }) => name);
          expect(pages.flatMap(conversationNames)).toStrictEqual(expected);
          for (const page of pages) expect((page['conversations'] as unknown[]).length).toBeLessThanOrEqual(pageSize);
          expect(pages[pages.length - 1]).not.toHaveProperty('nextPageToken');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('serves every message exactly once, newest first, whatever the page size', async () => {
    const id = conversationId('Cv1');
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ messageId: fc.stringMatching(/^[A-Za-z0-9]{1,6}$/), time: fc.integer({ min: 0, max: 3 }) }), {
          selector: (row) => row.messageId,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 20 }),
        async (rows, pageSize) => {
          const stored = rows.map(({ messageId, time }) => message(id.name, messageId, at(time)));
          const { queries } = setup({ conversations: [conversation('Cv1', at(0))], messages: { [id.name]: stored } });
          const pages = await allMessagePages(queries, id, { pageSize: String(pageSize) });
          const expected = [...stored].sort(byKeyDescending).map((row) => (JSON.parse(row.payloadJson) as { name: string }).name);
          expect(pages.flatMap(messageNames)).toStrictEqual(expected);
          expect(pages.length).toBe(Math.max(1, Math.ceil(stored.length / pageSize)));
        },
      ),
      { numRuns: 200 },
    );
  });

  /** Pages of `pageSize` or fewer, each within `maxBytes` of stored JSON unless it holds a single larger item. */
  const expectBounded = (pages: Array<Record<string, unknown>>, key: 'messages' | 'conversations', sizes: Map<string, number>, pageSize: number, maxBytes: number) => {
    for (const page of pages) {
      const items = page[key] as Array<{ name: string }>;
      expect(items.length).toBeLessThanOrEqual(pageSize);
      const bytes = items.reduce((sum, item) => sum + sizes.get(item.name)!, 0);
      if (items.length > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
    }
  };

  it('serves every message exactly once within a page byte bound, one alone when it is larger than the bound', async () => {
    const id = conversationId('Cv1');
    const maxBytes = 2_000;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ messageId: fc.stringMatching(/^[A-Za-z0-9]{1,6}$/), time: fc.integer({ min: 0, max: 3 }), size: fc.integer({ min: 0, max: 3 * maxBytes }), emoji: fc.boolean() }), {
          selector: (row) => row.messageId,
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 20 }),
        async (rows, pageSize) => {
          const stored = rows.map(({ messageId, time, size, emoji }) => {
            const row = message(id.name, messageId, at(time));
            // Emoji are 2 UTF-16 units and 4 UTF-8 bytes: the bound is in bytes.
            const payload = { ...(JSON.parse(row.payloadJson) as Record<string, unknown>), content: (emoji ? '😀' : 'x').repeat(size / (emoji ? 4 : 1)) };
            return { ...row, payloadJson: JSON.stringify(payload) };
          });
          const sizes = new Map(stored.map((row) => [(JSON.parse(row.payloadJson) as { name: string }).name, rowBytes(row)]));
          const { queries } = setup({ conversations: [conversation('Cv1', at(0))], messages: { [id.name]: stored } }, SECRET, maxBytes);
          const pages = await allMessagePages(queries, id, { pageSize: String(pageSize) });
          const expected = [...stored].sort(byKeyDescending).map((row) => (JSON.parse(row.payloadJson) as { name: string }).name);
          expect(pages.flatMap(messageNames)).toStrictEqual(expected);
          expectBounded(pages, 'messages', sizes, pageSize, maxBytes);
          expect(pages[pages.length - 1]).not.toHaveProperty('nextPageToken');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('serves every conversation exactly once within a page byte bound, with a residual filter too', async () => {
    // Ids are short (a segment of a name): the bound is set to about two of the lightest conversations.
    const maxBytes = 2 * rowBytes({ sortKey: '', state: conversation('Cv0', null) }) + 40;
    const item = fc.record({ start: fc.constantFrom(...times), end: fc.constantFrom(...times), padding: fc.integer({ min: 0, max: 90 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 30 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: filters.length - 1 }), async (items, pageSize, filterIndex) => {
        const { filter, keep, orderBy } = filters[filterIndex]!;
        // A long id makes a conversation heavy: it is in its name, and so in what its resource is rendered from.
        const conversations = items.map(({ start, end, padding }, i) => conversation(`Cv${i}-${'p'.repeat(padding)}`, start, end));
        const sizes = new Map(conversations.map((state) => [state.name, rowBytes({ sortKey: '', state })]));
        const { queries } = setup({ conversations }, SECRET, maxBytes);
        const pages = await allConversationPages(queries, PARENT, { pageSize: String(pageSize), filter });
        const expected = conversations
          .filter(keep)
          .map((state) => ({ sortKey: `${state[orderBy] ?? ''}#${state.conversationId}`, name: state.name }))
          .sort(byKeyDescending)
          .map(({ name }) => name);
        expect(pages.flatMap(conversationNames)).toStrictEqual(expected);
        expectBounded(pages, 'conversations', sizes, pageSize, maxBytes);
      }),
      { numRuns: 200 },
    );
  });

  it('serves every conversation matching random start_time and end_time conditions exactly once under a small scan bound, reading at most the bound a page', async () => {
    const operators = ['<', '<=', '>', '>=', '='] as const;
    const holds = (value: string | null, operator: (typeof operators)[number], bound: string) =>
      value !== null &&
      { '<': value < bound, '<=': value <= bound, '>': value > bound, '>=': value >= bound, '=': value === bound }[operator];
    const time = fc.option(fc.integer({ min: 0, max: 6 }).map(at), { nil: null });
    const condition = fc.record({ operator: fc.constantFrom(...operators), at: fc.integer({ min: 0, max: 6 }).map(at) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ start: time, end: time }), { maxLength: 40 }),
        condition,
        condition,
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 6 }),
        async (items, start, end, pageSize, maxScanned) => {
          const conversations = items.map(({ start: s, end: e }, i) => conversation(`Cv${i}`, s, e));
          const filter = `start_time ${start.operator} "${start.at}" AND end_time ${end.operator} "${end.at}"`;
          const { queries, calls } = setup({ conversations }, SECRET, undefined, maxScanned);
          const pages = await allConversationPages(queries, PARENT, { pageSize: String(pageSize), filter });
          const unpaged = expectOk(await setup({ conversations }).queries.listConversations(PARENT, { pageSize: String(MAX_PAGE_SIZE), filter }, names));
          const expected = conversations
            .filter((state) => holds(state.startTime, start.operator, start.at) && holds(state.endTime, end.operator, end.at))
            .map((state) => ({ sortKey: `${state.startTime}#${state.conversationId}`, name: state.name }))
            .sort(byKeyDescending)
            .map(({ name }) => name);
          expect(conversationNames(unpaged)).toStrictEqual(expected);
          expect(pages.flatMap(conversationNames)).toStrictEqual(expected);
          for (const page of pages) expect((page['conversations'] as unknown[]).length).toBeLessThanOrEqual(pageSize);
          for (const scanned of calls.scanned) expect(scanned).toBeLessThanOrEqual(maxScanned);
          expect(pages[pages.length - 1]).not.toHaveProperty('nextPageToken');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ends a page of large messages early with a token, under MAX_PAGE_BYTES', async () => {
    const id = conversationId('Cv1');
    // 50 messages of 600 000 characters at pageSize=50 answered 30 MB in one page before pages had a byte bound.
    const stored = Array.from({ length: 50 }, (_, i) => {
      const row = message(id.name, `M${String(i).padStart(2, '0')}`, at(i));
      return { ...row, payloadJson: JSON.stringify({ ...(JSON.parse(row.payloadJson) as object), content: 'c'.repeat(600_000) }) };
    });
    const { queries } = setup({ conversations: [conversation('Cv1', at(0))], messages: { [id.name]: stored } });
    const pages = await allMessagePages(queries, id, { pageSize: '50' });
    const bytes = pages.map((page) => Buffer.byteLength(JSON.stringify(page)));
    expect(Math.max(...bytes)).toBeLessThanOrEqual(MAX_PAGE_BYTES + 10_000);
    expect(pages.length).toBe(Math.ceil(50 / Math.floor(MAX_PAGE_BYTES / rowBytes(stored[0]!))));
    expect(new Set(pages.flatMap(messageNames)).size).toBe(50);
  });

  it('lists participants in id order page by page, each as Dialogflow read it or as its messages named it, and none of an erased conversation', async () => {
    const id = conversationId('Cp1');
    const rows: ParticipantRow[] = [
      { sortKey: 'p3', role: 'HUMAN_AGENT', dialogflowJson: JSON.stringify({ name: 'projects/p/conversations/Cp1/participants/p3', role: 'HUMAN_AGENT', sip_recording_media_label: 'agent', futureField: { kept: true } }) },
      { sortKey: 'p1', role: 'END_USER' },
      { sortKey: 'p2' },
    ];
    const { queries } = setup({ conversations: [conversation('Cp1', at(0))], participants: { [id.name]: rows, [conversationId('Gone').name]: rows }, erased: [conversationId('Gone').name] });
    const first = await queries.listParticipants(id, { pageSize: '2' }, { enumsAsNumbers: false });
    expect(first.ok && first.value['participants']).toEqual([
      { name: `${id.name}/participants/p1`, role: 'END_USER' },
      { name: `${id.name}/participants/p2` },
    ]);
    const token = first.ok ? (first.value['nextPageToken'] as string) : '';
    const second = await queries.listParticipants(id, { pageSize: '2', pageToken: token }, { enumsAsNumbers: true });
    expect(second.ok && second.value).toEqual({
      participants: [{ name: `${id.name}/participants/p3`, role: 1, sipRecordingMediaLabel: 'agent', futureField: { kept: true } }],
    });
    // A token of another list continues nothing here; a filter is not a parameter of participants.list.
    expect((await queries.listParticipants(conversationId('Cv9'), { pageToken: token }, { enumsAsNumbers: false })).ok).toBe(false);
    expect(await queries.listParticipants(id, { filter: 'x' }, { enumsAsNumbers: false })).toMatchObject({ ok: false, error: { kind: 'invalid_argument' } });
    expect(await queries.getParticipant(id, 'p1', { enumsAsNumbers: false })).toEqual({ ok: true, value: { name: `${id.name}/participants/p1`, role: 'END_USER' } });
    expect(await queries.getParticipant(id, 'p9', { enumsAsNumbers: false })).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    expect(await queries.getParticipant(conversationId('Gone'), 'p1', { enumsAsNumbers: false })).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    expect(await queries.listParticipants(conversationId('Gone'), {}, { enumsAsNumbers: false })).toMatchObject({ ok: false, error: { kind: 'not_found' } });
  });
});
