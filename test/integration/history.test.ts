import { beforeAll, describe, expect, it } from 'vitest';
import { lifecycleEvent, makePushBody, messageEvent, uniqueProject } from '../support/builders';
import { getJson, ingestAll, rawGet } from '../support/stack';

/**
 * The history API over real HTTP against the running stack: Dialogflow's
 * paths, parameters and JSON, Google's error shape.
 */

const project = uniqueProject();
const global = `projects/${project}/locations/global`;
const conversation = (id: string, location = 'global') => `projects/${project}/locations/${location}/conversations/${id}`;
const LIFECYCLE = '/ingestLifecycleEvents';
const MESSAGES = '/ingestMessageEvents';

// A: finished; B: in progress, started later; C: only a message, never STARTED; D: another location.
const A = conversation('CvA');
const B = conversation('CvB');
const C = conversation('CvC');
const D = conversation('CvD', 'europe-west1');

beforeAll(async () => {
  await ingestAll([
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(A, 'CONVERSATION_STARTED'), { publishTime: '2026-11-01T10:00:00Z' }) },
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(A, 'HUMAN_INTERVENTION_NEEDED'), { publishTime: '2026-11-01T10:05:00Z' }) },
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(A, 'CONVERSATION_FINISHED'), { publishTime: '2026-11-01T10:30:00.123456Z' }) },
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(B, 'CONVERSATION_STARTED'), { publishTime: '2026-11-02T09:00:00Z' }) },
    {
      path: LIFECYCLE,
      body: makePushBody(lifecycleEvent(B, 'UNRECOVERABLE_ERROR', { errorStatus: { code: 9, message: 'no agent' } }), { publishTime: '2026-11-02T09:01:00Z' }),
    },
    { path: MESSAGES, body: makePushBody(messageEvent(C, 'M1', { createTime: '2026-11-03T08:00:00Z' })) },
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(D, 'CONVERSATION_STARTED'), { publishTime: '2026-11-04T08:00:00Z' }) },
    ...['M1', 'M2', 'M3', 'M4'].map((id, index) => ({
      path: MESSAGES,
      body: makePushBody(
        messageEvent(A, id, { createTime: `2026-11-01T10:0${index + 1}:00.000001Z`, participantRole: index % 2 === 0 ? 'END_USER' : 'HUMAN_AGENT' }),
      ),
    })),
  ]);
});

const names = (body: Record<string, unknown>, key = 'conversations') =>
  (body[key] as Array<{ name: string }>).map((item) => item.name.split('/').pop());

describe('conversations.list', () => {
  it('lists a parent’s conversations, newest start first, those never started last', async () => {
    const answer = await getJson(`/v2/${global}/conversations`);
    expect(answer.status).toBe(200);
    expect(names(answer.body)).toEqual(['CvB', 'CvA', 'CvC']);
    expect(answer.body['nextPageToken']).toBeUndefined();
  });

  it('serves the same list at /v2beta1 and without /locations/', async () => {
    const expected = names((await getJson(`/v2/${global}/conversations`)).body);
    expect(names((await getJson(`/v2beta1/${global}/conversations`)).body)).toEqual(expected);
    expect(names((await getJson(`/v2/projects/${project}/conversations`)).body)).toEqual(expected);
  });

  it('lists another location separately', async () => {
    expect(names((await getJson(`/v2/projects/${project}/locations/europe-west1/conversations`)).body)).toEqual(['CvD']);
  });

  it('renders a conversation as Dialogflow does, with what else we keep under historyMetadata', async () => {
    const conversations = (await getJson(`/v2/${global}/conversations`)).body['conversations'] as Array<Record<string, unknown>>;
    expect(conversations.find((c) => c['name'] === A)).toEqual({
      name: A,
      lifecycleState: 'COMPLETED',
      conversationStage: 'HUMAN_ASSIST_STAGE',
      startTime: '2026-11-01T10:00:00Z',
      endTime: '2026-11-01T10:30:00.123456Z',
      historyMetadata: {
        humanInterventions: [{ time: '2026-11-01T10:05:00Z' }],
        unrecoverableErrors: [],
        lifecycleEvents: [
          expect.objectContaining({ type: 'CONVERSATION_STARTED', publishTime: '2026-11-01T10:00:00Z' }),
          expect.objectContaining({ type: 'HUMAN_INTERVENTION_NEEDED', publishTime: '2026-11-01T10:05:00Z' }),
          expect.objectContaining({ type: 'CONVERSATION_FINISHED', publishTime: '2026-11-01T10:30:00.123456Z' }),
        ],
        lifecycleEventsTruncated: false,
      },
    });
    expect(conversations.find((c) => c['name'] === B)).toMatchObject({
      lifecycleState: 'IN_PROGRESS',
      historyMetadata: { unrecoverableErrors: [{ time: '2026-11-02T09:01:00Z', errorStatus: { code: 9, message: 'no agent' } }] },
    });
    expect(conversations.find((c) => c['name'] === C)).not.toHaveProperty('startTime');
  });

  const filters = [
    { filter: 'lifecycle_state = "COMPLETED"', expected: ['CvA'] },
    { filter: "lifecycle_state = 'IN_PROGRESS'", expected: ['CvB', 'CvC'] },
    { filter: 'lifecycle_state = IN_PROGRESS', expected: ['CvB', 'CvC'] },
    { filter: 'lifecycle_state != "COMPLETED"', expected: ['CvB', 'CvC'] },
    { filter: 'lifecycle_state = "COMPLETED" AND lifecycle_state = "IN_PROGRESS"', expected: [] },
    { filter: 'start_time > "2026-11-01T10:00:00Z"', expected: ['CvB'] },
    { filter: 'start_time >= "2026-11-01T10:00:00Z"', expected: ['CvB', 'CvA'] },
    { filter: 'start_time < "2026-11-02T09:00:00Z"', expected: ['CvA'] },
    { filter: 'start_time <= "2026-11-02T09:00:00Z"', expected: ['CvB', 'CvA'] },
    { filter: 'start_time = "2026-11-02T11:00:00+02:00"', expected: ['CvB'] },
    { filter: 'end_time > "2026-11-01T00:00:00Z"', expected: ['CvA'] },
    { filter: 'end_time < "2026-11-01T10:30:00.123456Z"', expected: [] },
    { filter: 'end_time <= "2026-11-01T10:30:00.123456Z"', expected: ['CvA'] },
    { filter: 'end_time >= "2026-11-01T10:30:00.123456001Z"', expected: [] },
    { filter: 'end_time = "2026-11-01T10:30:00.123456Z"', expected: ['CvA'] },
    { filter: 'start_time >= "2026-11-01T00:00:00Z" AND end_time < "2026-11-02T00:00:00Z"', expected: ['CvA'] },
    { filter: '(lifecycle_state = "IN_PROGRESS") start_time > "2026-11-01T00:00:00Z"', expected: ['CvB'] },
    { filter: 'lifecycle_state = "COMPLETED" AND end_time > "2026-11-01T00:00:00Z"', expected: ['CvA'] },
    { filter: 'start_time > "2026-11-01T00:00:00Z" AND start_time < "2026-11-01T00:00:00Z"', expected: [] },
  ];
  it.each(filters)('filters with $filter', async ({ filter, expected }) => {
    const answer = await getJson(`/v2/${global}/conversations?filter=${encodeURIComponent(filter)}`);
    expect(answer.status).toBe(200);
    expect(names(answer.body)).toEqual(expected);
  });

  const badFilters = [
    { filter: 'lifecycle_state = "DONE"', mentions: 'lifecycle_state' },
    { filter: 'lifecycle_state > "COMPLETED"', mentions: 'lifecycle_state' },
    { filter: 'conversation_profile = "x"', mentions: 'conversation_profile' },
    { filter: 'lifecycle_state = "COMPLETED" OR start_time > "2026-01-01T00:00:00Z"', mentions: 'OR' },
    { filter: 'NOT lifecycle_state = "COMPLETED"', mentions: 'NOT' },
    { filter: 'start_time > "yesterday"', mentions: 'start_time' },
    { filter: 'start_time > 5', mentions: 'start_time' },
    { filter: 'start_time != "2026-11-01T00:00:00Z"', mentions: '!=' },
    { filter: 'lifecycle_state = "COMPLETED', mentions: 'Unterminated' },
    { filter: '(lifecycle_state = "COMPLETED"', mentions: "')'" },
    { filter: 'lifecycle_state =', mentions: 'value' },
    { filter: 'lifecycle_state : "COMPLETED"', mentions: ':' },
    { filter: 'lifecycle_state = "COMPLETED"; DROP TABLE', mentions: ';' },
  ];
  it.each(badFilters)('refuses $filter with 400 naming $mentions', async ({ filter, mentions }) => {
    const answer = await getJson(`/v2/${global}/conversations?filter=${encodeURIComponent(filter)}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 400, message: expect.stringContaining(mentions), status: 'INVALID_ARGUMENT' } });
  });

  it('answers enums as numbers when the client asks for enum-encoding=int', async () => {
    const answer = await getJson(`/v2/${global}/conversations?filter=${encodeURIComponent('lifecycle_state = "COMPLETED"')}&%24alt=json%3Benum-encoding%3Dint`);
    expect(answer.body['conversations']).toEqual([expect.objectContaining({ name: A, lifecycleState: 2, conversationStage: 2 })]);
  });

  it.each([
    { pageSize: '-1', message: 'negative' },
    { pageSize: '1.5', message: 'whole number' },
    { pageSize: 'ten', message: 'whole number' },
  ])('refuses pageSize=$pageSize', async ({ pageSize, message }) => {
    const answer = await getJson(`/v2/${global}/conversations?pageSize=${pageSize}`);
    expect(answer.status).toBe(400);
    expect((answer.body['error'] as { message: string }).message).toContain(message);
  });

  it('lowers a pageSize over 1000 to 1000 and treats 0 as the default', async () => {
    expect(names((await getJson(`/v2/${global}/conversations?pageSize=5000`)).body)).toEqual(['CvB', 'CvA', 'CvC']);
    expect(names((await getJson(`/v2/${global}/conversations?pageSize=0`)).body)).toEqual(['CvB', 'CvA', 'CvC']);
  });

  it('pages with tokens bound to the request', async () => {
    const first = await getJson(`/v2/${global}/conversations?pageSize=2`);
    expect(names(first.body)).toEqual(['CvB', 'CvA']);
    const token = first.body['nextPageToken'] as string;
    expect(token).toEqual(expect.any(String));
    const second = await getJson(`/v2/${global}/conversations?pageSize=2&pageToken=${encodeURIComponent(token)}`);
    expect(names(second.body)).toEqual(['CvC']);
    expect(second.body['nextPageToken']).toBeUndefined();

    const otherFilter = await getJson(`/v2/${global}/conversations?pageSize=2&pageToken=${encodeURIComponent(token)}&filter=${encodeURIComponent('lifecycle_state = "IN_PROGRESS"')}`);
    expect(otherFilter.status).toBe(400);
    expect((otherFilter.body['error'] as { message: string }).message).toContain('different request');
    const otherParent = await getJson(`/v2/projects/${project}/locations/europe-west1/conversations?pageToken=${encodeURIComponent(token)}`);
    expect(otherParent.status).toBe(400);
  });

  it.each([
    { name: 'forged', token: (t: string) => `${Buffer.from('{"k":"~","b":"x"}').toString('base64url')}.${t.split('.')[1]}` },
    { name: 'truncated', token: (t: string) => t.slice(0, -3) },
    { name: 'garbage', token: () => 'not-a-token' },
  ])('refuses a $name page token', async ({ token }) => {
    const first = await getJson(`/v2/${global}/conversations?pageSize=1`);
    const answer = await getJson(`/v2/${global}/conversations?pageSize=1&pageToken=${encodeURIComponent(token(first.body['nextPageToken'] as string))}`);
    expect(answer.status).toBe(400);
    expect(answer.body['error']).toMatchObject({ status: 'INVALID_ARGUMENT', message: expect.stringContaining('page token') });
  });
});

describe('conversations.get', () => {
  it.each([`/v2/${A}`, `/v2beta1/${A}`, `/v2/projects/${project}/conversations/CvA`])('returns the conversation at %s', async (path) => {
    const answer = await getJson(path);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ name: A, lifecycleState: 'COMPLETED' });
  });

  it.each([
    { what: 'an unknown conversation', path: `/v2/${conversation('Nope')}` },
    { what: 'a conversation of another location', path: `/v2/${conversation('CvD')}` },
    { what: 'an unknown project', path: `/v2/projects/${project}x/conversations/CvA` },
  ])('answers 404 NOT_FOUND for $what', async ({ path }) => {
    const answer = await getJson(path);
    expect(answer).toEqual({ status: 404, body: { error: { code: 404, message: expect.stringContaining('not found'), status: 'NOT_FOUND' } } });
  });

  it('refuses list parameters on get', async () => {
    expect((await getJson(`/v2/${A}?pageSize=3`)).status).toBe(400);
  });

  it('answers enums as numbers when asked', async () => {
    expect((await getJson(`/v2/${B}?$alt=json;enum-encoding=int`)).body).toMatchObject({ lifecycleState: 1 });
  });
});

describe('conversations.messages.list', () => {
  const ids = (body: Record<string, unknown>) => names(body, 'messages');

  it('lists messages newest first, as received', async () => {
    const answer = await getJson(`/v2/${A}/messages`);
    expect(ids(answer.body)).toEqual(['M4', 'M3', 'M2', 'M1']);
    expect((answer.body['messages'] as unknown[])[0]).toEqual({
      name: `${A}/messages/M4`,
      content: 'text of M4',
      languageCode: 'en-US',
      participant: `${A}/participants/P1`,
      participantRole: 'HUMAN_AGENT',
      createTime: '2026-11-01T10:04:00.000001Z',
    });
  });

  const messageFilters = [
    { filter: 'create_time > "2026-11-01T10:02:00.000001Z"', expected: ['M4', 'M3'] },
    { filter: 'create_time >= "2026-11-01T10:02:00.000001Z"', expected: ['M4', 'M3', 'M2'] },
    { filter: 'create_time < "2026-11-01T10:02:00.000001Z"', expected: ['M1'] },
    { filter: 'create_time <= "2026-11-01T10:02:00.000001Z"', expected: ['M2', 'M1'] },
    { filter: 'create_time_epoch_microseconds > 1793527320000001', expected: ['M4', 'M3'] },
    { filter: 'create_time_epoch_microseconds >= 1793527320000001', expected: ['M4', 'M3', 'M2'] },
    { filter: 'create_time_epoch_microseconds < 1793527320000001', expected: ['M1'] },
    { filter: 'create_time_epoch_microseconds <= 1793527320000001', expected: ['M2', 'M1'] },
    { filter: 'create_time > "2026-11-01T10:01:30Z" AND create_time_epoch_microseconds < 1793527440000001', expected: ['M3', 'M2'] },
  ];
  it.each(messageFilters)('filters with $filter', async ({ filter, expected }) => {
    const answer = await getJson(`/v2/${A}/messages?filter=${encodeURIComponent(filter)}`);
    expect(answer.status).toBe(200);
    expect(ids(answer.body)).toEqual(expected);
  });

  it.each([
    { filter: 'participant_role = "END_USER"', mentions: 'participant_role' },
    { filter: 'create_time_epoch_microseconds > -5', mentions: 'microseconds' },
    { filter: 'create_time_epoch_microseconds > 99999999999999999999', mentions: 'microseconds' },
    { filter: 'create_time > 1793613720', mentions: 'RFC 3339' },
    { filter: 'create_time != "2026-11-01T10:02:00Z"', mentions: '!=' },
  ])('refuses $filter with 400', async ({ filter, mentions }) => {
    const answer = await getJson(`/v2/${A}/messages?filter=${encodeURIComponent(filter)}`);
    expect(answer.status).toBe(400);
    expect((answer.body['error'] as { message: string }).message).toContain(mentions);
  });

  it('renders participantRole as a number when asked', async () => {
    const answer = await getJson(`/v2/${A}/messages?%24alt=json%3Benum-encoding%3Dint`);
    expect((answer.body['messages'] as Array<{ participantRole: unknown }>).map((m) => m.participantRole)).toEqual([1, 3, 1, 3]);
  });

  it('answers 404 for the messages of an unknown conversation and [] for a conversation without any', async () => {
    expect((await getJson(`/v2/${conversation('Nope')}/messages`)).status).toBe(404);
    expect((await getJson(`/v2/${B}/messages`)).body).toEqual({ messages: [] });
  });
});

describe('requests the API does not serve', () => {
  it.each([
    { method: 'POST', path: `/v2/${global}/conversations`, code: 501, status: 'UNIMPLEMENTED' },
    { method: 'POST', path: `/v2/${global}/conversations/CvA:complete`, code: 501, status: 'UNIMPLEMENTED' },
    { method: 'PUT', path: `/v2/${global}/conversations`, code: 404, status: 'NOT_FOUND' },
    { method: 'PATCH', path: `/v2/${global}/conversations/CvA`, code: 404, status: 'NOT_FOUND' },
    { method: 'DELETE', path: `/v2/${global}/conversations`, code: 400, status: 'INVALID_ARGUMENT' },
    { method: 'DELETE', path: `/v2/${global}/conversations/CvA/messages`, code: 400, status: 'INVALID_ARGUMENT' },
  ])('answers $method $path with $code $status, code and status agreeing as Google pairs them', async ({ method, path, code, status }) => {
    const response = await fetch(`${(await import('../support/stack')).baseUrl()}${path}`, { method });
    expect(response.status).toBe(code);
    expect(await response.json()).toMatchObject({ error: { code, status } });
  });

  it.each([
    { path: `/v2/${global}/conversations/CvA/participants?filter=x`, status: 400 },
    { path: `/v2/${global}/conversations/CvA/participants/P9`, status: 404 },
    { path: `/v3/${global}/conversations`, status: 404 },
    { path: `/v2/projects/${project}/locations/global/conversations/..`, status: 400 },
    { path: `/v2/projects/${project}/locations/global/../../projects/other/conversations`, status: 404 },
    { path: `/v2/projects/${project}/locations/global/conversations/a%2Fb`, status: 400 },
    { path: `/v2/projects/${project}/locations/global/conversations?unknown=1`, status: 400 },
    { path: `/v2/projects/${project}/locations/global/conversations?pageSize=1&pageSize=2`, status: 400 },
  ])('answers $status to $path', async ({ path, status }) => {
    const answer = await rawGet(path);
    expect(answer.status).toBe(status);
    expect(answer.body['error']).toMatchObject({ code: status });
  });
});
