import { beforeAll, describe, expect, it } from 'vitest';
import { lifecycleEvent, makePushBody, messageEvent, uniqueProject } from '../support/builders';
import { officialConversationsClient as client, officialParticipantsClient } from '../support/officialClient';
import { ingestAll } from '../support/stack';

/**
 * Google's own Node client, in REST mode, pointed at our history API: the
 * paths, parameters and JSON are Dialogflow's, so it reads our store as it
 * reads Dialogflow.
 */

const project = uniqueProject();
const done = `projects/${project}/locations/global/conversations/CvDone`;
const open = `projects/${project}/locations/global/conversations/CvOpen`;

beforeAll(async () => {
  await ingestAll([
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(done, 'CONVERSATION_STARTED'), { publishTime: '2026-11-01T10:00:00Z' }) },
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(done, 'CONVERSATION_FINISHED'), { publishTime: '2026-11-01T10:20:00Z' }) },
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(open, 'CONVERSATION_STARTED'), { publishTime: '2026-11-02T10:00:00Z' }) },
    ...Array.from({ length: 25 }, (_, index) => ({
      path: '/ingestMessageEvents',
      body: makePushBody(messageEvent(done, `M${String(index).padStart(2, '0')}`, { createTime: `2026-11-01T10:${String(index).padStart(2, '0')}:00Z`, participantRole: 'AUTOMATED_AGENT' })),
    })),
  ]);
});

it('lists conversations with a filter', async () => {
  const [conversations] = await client().listConversations({ parent: `projects/${project}/locations/global`, filter: 'lifecycle_state = "COMPLETED"' });
  expect(conversations.map((c) => [c.name, c.lifecycleState])).toEqual([[done, 'COMPLETED']]);
  expect(Number(conversations[0]!.startTime!.seconds)).toBe(Date.parse('2026-11-01T10:00:00Z') / 1000);
});

it('gets one conversation, and reports a missing one as NOT_FOUND', async () => {
  const [conversation] = await client().getConversation({ name: open });
  expect(conversation).toMatchObject({ name: open, lifecycleState: 'IN_PROGRESS' });
  // In REST mode the auth client's fetch rejects a non-2xx answer itself (as it does against Dialogflow),
  // so the error is the HTTP one, carrying Google's error JSON.
  const failure = client().getConversation({ name: `${open}x` });
  await expect(failure).rejects.toMatchObject({ code: 404, message: expect.stringContaining('"status":"NOT_FOUND"') });
});

it('pages through messages with page tokens', async () => {
  const c = client();
  const seen: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const [messages, nextRequest] = await c.listMessages({ parent: done, pageSize: 10, ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false });
    seen.push(...messages.map((m) => m.name!.split('/').pop()!));
    expect(messages.every((m) => m.participantRole === 'AUTOMATED_AGENT')).toBe(true);
    pageToken = nextRequest?.pageToken ?? undefined;
    pages++;
  } while (pageToken);
  expect(pages).toBe(3);
  expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => `M${String(24 - index).padStart(2, '0')}`));
});

it("serves every name of a conversation fed both spellings in one spelling the official path templates parse", async () => {
  const id = 'CvSpellings';
  const canonical = `projects/${project}/locations/global/conversations/${id}`;
  const short = `projects/${project}/conversations/${id}`;
  const spellings = [
    { event: short, message: short, participant: short },
    { event: canonical, message: short, participant: canonical },
    { event: short, message: canonical, participant: short },
    { event: canonical, message: canonical, participant: canonical },
  ];
  await ingestAll(
    spellings.map((names, index) => ({
      path: '/ingestMessageEvents',
      body: makePushBody(messageEvent(names.event, `M${index}`, { name: `${names.message}/messages/M${index}`, participant: `${names.participant}/participants/P${index % 2}`, createTime: `2026-11-03T10:00:0${index}Z` })),
    })),
  );
  const c = client();
  for (const parent of [canonical, short]) {
    const [messages] = await c.listMessages({ parent });
    expect(messages).toHaveLength(4);
    for (const message of messages) {
      expect(c.matchConversationFromProjectLocationConversationMessageName(message.name!)).toBe(id);
      expect(c.matchLocationFromProjectLocationConversationMessageName(message.name!)).toBe('global');
      expect(c.matchConversationFromProjectLocationConversationParticipantName(message.participant!)).toBe(id);
      expect(message.name!.startsWith(`${canonical}/messages/`)).toBe(true);
    }
  }
  const [conversation] = await c.getConversation({ name: short });
  expect(c.matchConversationFromProjectLocationConversationsName(conversation.name!)).toBe(id);
});

it('lists and gets the participants its messages name, with the v2 and v2beta1 Participants clients, in both spellings', async () => {
  const id = 'CvParticipants';
  const canonical = `projects/${project}/locations/global/conversations/${id}`;
  const short = `projects/${project}/conversations/${id}`;
  await ingestAll(
    [
      { message: 'M1', participant: `${short}/participants/Customer`, role: 'END_USER' },
      { message: 'M2', participant: `${canonical}/participants/Agent`, role: 'HUMAN_AGENT' },
      { message: 'M3', participant: `${canonical}/participants/Customer`, role: 'END_USER' },
      { message: 'M4', participant: `${short}/participants/Bot`, role: 'AUTOMATED_AGENT' },
    ].map(({ message, participant, role }, index) => ({
      path: '/ingestMessageEvents',
      body: makePushBody(messageEvent(canonical, message, { participant, participantRole: role, createTime: `2026-11-05T10:00:0${index}Z` })),
    })),
  );
  const expected = [
    ['Agent', 'HUMAN_AGENT'],
    ['Bot', 'AUTOMATED_AGENT'],
    ['Customer', 'END_USER'],
  ].map(([participant, role]) => ({ name: `${canonical}/participants/${participant}`, role }));
  for (const version of ['v2', 'v2beta1'] as const) {
    const participants = officialParticipantsClient(undefined, version);
    for (const parent of [canonical, short]) {
      const [listed] = await participants.listParticipants({ parent });
      expect(listed.map(({ name, role }) => ({ name, role }))).toEqual(expected);
    }
    // One a page: the client follows the page tokens.
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const [page, next] = await participants.listParticipants({ parent: canonical, pageSize: 1, ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false });
      seen.push(...page.map((p) => p.name!));
      pageToken = next?.pageToken ?? undefined;
    } while (pageToken);
    expect(seen).toEqual(expected.map((p) => p.name));
    const [agent] = await participants.getParticipant({ name: `${short}/participants/Agent` });
    expect(agent).toMatchObject({ name: `${canonical}/participants/Agent`, role: 'HUMAN_AGENT' });
    await expect(participants.getParticipant({ name: `${canonical}/participants/Nobody` })).rejects.toMatchObject({ code: 404 });
  }
});

describe('the filter forms Dialogflow documents, through the official client', () => {
  const timed = `projects/${project}/locations/global/conversations/CvTimed`;
  beforeAll(async () => {
    await ingestAll(
      [
        ['T455', '2026-11-04T10:00:02.455120Z'],
        ['T456', '2026-11-04T10:00:02.456Z'],
        ['T2017', '2017-01-15T01:30:15.005Z'],
      ].map(([id, createTime]) => ({ path: '/ingestMessageEvents', body: makePushBody(messageEvent(timed, id!, { createTime })) })),
    );
  });

  it('joins lifecycle states with OR, as the discovery document allows', async () => {
    const [conversations] = await client().listConversations({ parent: `projects/${project}/locations/global`, filter: 'lifecycle_state = "COMPLETED" OR lifecycle_state = "IN_PROGRESS"' });
    expect(conversations.map((c) => c.name)).toEqual(expect.arrayContaining([done, open, timed]));
  });

  it("takes the v2 proto's unquoted timestamp", async () => {
    const [messages] = await client().listMessages({ parent: timed, filter: 'create_time > 2017-01-15T01:30:15.01Z' });
    expect(messages.map((m) => m.name!.split('/').pop())).toEqual(['T456', 'T455']);
  });

  it('compares create_time at millisecond accuracy and create_time_epoch_microseconds at microsecond accuracy', async () => {
    const [byMillisecond] = await client().listMessages({ parent: timed, filter: 'create_time > "2026-11-04T10:00:02.455Z"' });
    expect(byMillisecond.map((m) => m.name!.split('/').pop())).toEqual(['T456']);
    const micros = Date.parse('2026-11-04T10:00:02.455Z') * 1000;
    const [byMicrosecond] = await client().listMessages({ parent: timed, filter: `create_time_epoch_microseconds > ${micros}` });
    expect(byMicrosecond.map((m) => m.name!.split('/').pop())).toEqual(['T456', 'T455']);
  });

  it('answers OR across fields with a 400 that says why', async () => {
    await expect(client().listConversations({ parent: `projects/${project}/locations/global`, filter: 'lifecycle_state = "COMPLETED" OR start_time > "2026-01-01T00:00:00Z"' })).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining('OR can only join conditions on one field'),
    });
  });
});

describe("Google's system parameters, through the official client", () => {
  it('reads a partial response when X-Goog-FieldMask (the header form of fields) is sent', async () => {
    const [conversation] = await client().getConversation({ name: done }, { otherArgs: { headers: { 'X-Goog-FieldMask': 'name,lifecycleState' } } });
    expect(conversation.name).toBe(done);
    expect(conversation.lifecycleState).toBe('COMPLETED');
    expect(conversation.startTime).toBeNull();
    const [messages] = await client().listMessages({ parent: done, pageSize: 3 }, { autoPaginate: false, otherArgs: { headers: { 'X-Goog-FieldMask': 'messages/name' } } });
    expect(messages).toHaveLength(3);
    expect(messages.every((m) => m.name && m.participantRole === 'ROLE_UNSPECIFIED' && m.createTime === null)).toBe(true);
  });

  it('is refused an invalid field mask with 400 INVALID_ARGUMENT', async () => {
    await expect(client().getConversation({ name: done }, { otherArgs: { headers: { 'X-Goog-FieldMask': 'name(' } } })).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining('Invalid field selection in X-Goog-FieldMask'),
    });
  });
});
