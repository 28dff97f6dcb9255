import { describe, expect, it } from 'vitest';
import { base64, lifecycleEvent, makePushBody, messageEvent, nextMessageId, uniqueConversation } from '../support/builders';
import { post } from '../support/stack';
import { readConversation, readMessages, readRecognitionResults } from '../support/store';

const LIFECYCLE = '/ingestLifecycleEvents';
const MESSAGES = '/ingestMessageEvents';

describe('ingest over HTTP into Firestore', () => {
  it('stores CONVERSATION_STARTED as an IN_PROGRESS conversation with its start time', async () => {
    const c = uniqueConversation();
    const answer = await post(LIFECYCLE, makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'), { publishTime: '2026-11-02T14:03:00.120Z' }));
    expect(answer).toEqual({ status: 200, body: { outcome: 'stored' } });
    expect(await readConversation(c.name)).toMatchObject({
      name: c.name,
      project: 'demo-project',
      location: 'global',
      conversationId: c.id,
      lifecycleState: 'IN_PROGRESS',
      startTime: '2026-11-02T14:03:00.120000000Z',
      endTime: null,
      conversationStage: null,
    });
  });

  it('stores CONVERSATION_FINISHED as COMPLETED with its end time', async () => {
    const c = uniqueConversation();
    await post(LIFECYCLE, makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'), { publishTime: '2026-11-02T14:00:00Z' }));
    await post(LIFECYCLE, makePushBody(lifecycleEvent(c.name, 'CONVERSATION_FINISHED'), { publishTime: '2026-11-02T14:09:00Z' }));
    expect(await readConversation(c.name)).toMatchObject({
      lifecycleState: 'COMPLETED',
      startTime: '2026-11-02T14:00:00.000000000Z',
      endTime: '2026-11-02T14:09:00.000000000Z',
    });
  });

  it('keeps the earliest end time when FINISHED arrives twice, in either order', async () => {
    const c = uniqueConversation();
    const first = makePushBody(lifecycleEvent(c.name, 'CONVERSATION_FINISHED'), { publishTime: '2026-11-02T14:09:00Z' });
    const second = makePushBody(lifecycleEvent(c.name, 'CONVERSATION_FINISHED'), { publishTime: '2026-11-02T15:30:00Z' });
    expect((await post(LIFECYCLE, second)).body).toEqual({ outcome: 'stored' });
    expect((await post(LIFECYCLE, first)).body).toEqual({ outcome: 'stored' });
    const stored = await readConversation(c.name);
    expect(stored).toMatchObject({ lifecycleState: 'COMPLETED', endTime: '2026-11-02T14:09:00.000000000Z' });
    expect(stored!['lifecycleEvents']).toHaveLength(2);
  });

  it('records human intervention and moves the stage to HUMAN_ASSIST_STAGE', async () => {
    const c = uniqueConversation();
    await post(LIFECYCLE, makePushBody(lifecycleEvent(c.name, 'HUMAN_INTERVENTION_NEEDED'), { publishTime: '2026-11-02T14:05:00Z' }));
    const stored = await readConversation(c.name);
    expect(stored).toMatchObject({ conversationStage: 'HUMAN_ASSIST_STAGE', lifecycleState: 'IN_PROGRESS' });
    expect(stored!['lifecycleEvents']).toEqual([
      expect.objectContaining({ type: 'HUMAN_INTERVENTION_NEEDED', publishTime: '2026-11-02T14:05:00.000000000Z' }),
    ]);
  });

  it('records an unrecoverable error with its errorStatus', async () => {
    const c = uniqueConversation();
    const errorStatus = { code: 9, message: 'Agent is not configured for telephony' };
    await post(LIFECYCLE, makePushBody(lifecycleEvent(c.name, 'UNRECOVERABLE_ERROR', { errorStatus })));
    const [event] = (await readConversation(c.name))!['lifecycleEvents'] as Array<Record<string, unknown>>;
    expect(event).toMatchObject({ type: 'UNRECOVERABLE_ERROR' });
    expect(JSON.parse(event!['detailJson'] as string)).toEqual({ errorStatus });
  });

  it('stores a NEW_MESSAGE under its conversation and creates the conversation as IN_PROGRESS', async () => {
    const c = uniqueConversation();
    const event = messageEvent(c.name, 'M1', { createTime: '2026-11-02T14:03:02.455120789Z' });
    expect((await post(MESSAGES, makePushBody(event))).body).toEqual({ outcome: 'stored' });
    expect(await readConversation(c.name)).toMatchObject({ lifecycleState: 'IN_PROGRESS', startTime: null, lifecycleEvents: [] });
    const messages = await readMessages(c.name);
    expect(Object.keys(messages)).toEqual(['M1']);
    expect(messages['M1']).toMatchObject({
      messageId: 'M1',
      conversation: c.name,
      createTime: '2026-11-02T14:03:02.455120789Z',
      sortKey: '2026-11-02T14:03:02.455120789Z#M1',
      participantRole: 'END_USER',
    });
    expect(JSON.parse(messages['M1']!['payloadJson'] as string)).toEqual(event.newMessagePayload);
  });

  it('acknowledges a repeated message as a duplicate and stores it once', async () => {
    const c = uniqueConversation();
    const body = makePushBody(messageEvent(c.name, 'M1'));
    expect((await post(MESSAGES, body)).body).toEqual({ outcome: 'stored' });
    expect(await post(MESSAGES, { ...body, deliveryAttempt: 2 })).toEqual({ status: 200, body: { outcome: 'duplicate' } });
    expect(Object.keys(await readMessages(c.name))).toEqual(['M1']);
  });

  it('acknowledges a repeated lifecycle event as a duplicate without changing the conversation', async () => {
    const c = uniqueConversation();
    const body = makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'));
    await post(LIFECYCLE, body);
    const before = await readConversation(c.name);
    expect((await post(LIFECYCLE, body)).body).toEqual({ outcome: 'duplicate' });
    expect(await readConversation(c.name)).toEqual(before);
  });

  it('ends in the same state when a message arrives before its conversation STARTED', async () => {
    const early = uniqueConversation();
    const inOrder = uniqueConversation();
    for (const [c, order] of [
      [early, ['message', 'started']],
      [inOrder, ['started', 'message']],
    ] as const) {
      for (const step of order) {
        if (step === 'started') await post(LIFECYCLE, makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'), { messageId: 'started-1' }));
        else await post(MESSAGES, makePushBody(messageEvent(c.name, 'M1'), { messageId: 'message-1' }));
      }
    }
    const strip = (doc: Record<string, unknown> | undefined, id: string) => JSON.parse(JSON.stringify(doc).replaceAll(id, 'C'));
    expect(strip(await readConversation(early.name), early.id)).toEqual(strip(await readConversation(inOrder.name), inOrder.id));
    expect(await readConversation(early.name)).toMatchObject({ startTime: '2026-11-02T14:03:00.120000000Z' });
  });

  it('treats names with and without /locations/ as the same conversation', async () => {
    const c = uniqueConversation();
    await post(LIFECYCLE, makePushBody(lifecycleEvent(c.shortName, 'CONVERSATION_STARTED')));
    await post(MESSAGES, makePushBody(messageEvent(c.name, 'M1')));
    await post(MESSAGES, makePushBody(messageEvent(c.shortName, 'M2')));
    expect(await readConversation(c.name)).toMatchObject({ name: c.name, location: 'global', startTime: expect.any(String) });
    expect(Object.keys(await readMessages(c.name)).sort()).toEqual(['M1', 'M2']);
  });

  it('keeps a regional conversation under its own location', async () => {
    const c = uniqueConversation('europe-west1');
    await post(LIFECYCLE, makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED')));
    expect(await readConversation(c.name)).toMatchObject({ location: 'europe-west1' });
  });

  it('accepts enum numbers and snake_case keys as Dialogflow may publish them', async () => {
    const c = uniqueConversation();
    const event = {
      conversation: c.name,
      type: 5,
      new_message_payload: {
        name: `${c.name}/messages/M1`,
        content: 'hello',
        participant_role: 1,
        create_time: '2026-11-02T14:03:02Z',
        language_code: 'en-US',
        sentiment_analysis: { query_text_sentiment: { score: 0.5, magnitude: 0.5 } },
      },
    };
    expect((await post(MESSAGES, makePushBody(event))).body).toEqual({ outcome: 'stored' });
    const stored = (await readMessages(c.name))['M1']!;
    expect(stored).toMatchObject({ participantRole: 'HUMAN_AGENT', createTime: '2026-11-02T14:03:02.000000000Z' });
    expect(JSON.parse(stored['payloadJson'] as string)).toEqual({
      name: `${c.name}/messages/M1`,
      content: 'hello',
      participantRole: 'HUMAN_AGENT',
      createTime: '2026-11-02T14:03:02Z',
      languageCode: 'en-US',
      sentimentAnalysis: { queryTextSentiment: { score: 0.5, magnitude: 0.5 } },
    });

    await post(LIFECYCLE, makePushBody({ conversation: c.name, type: 2 }, { publishTime: '2026-11-02T14:10:00Z' }));
    expect(await readConversation(c.name)).toMatchObject({ lifecycleState: 'COMPLETED' });
  });

  it('keeps fields and enum values it does not model', async () => {
    const c = uniqueConversation();
    const event = {
      ...messageEvent(c.name, 'M1', { futureField: { nested: [1, 2] }, participantRole: 9 }),
      futureTopLevel: 'kept',
    };
    await post(MESSAGES, makePushBody(event, { attributes: { origin: 'test' } }));
    const stored = (await readMessages(c.name))['M1']!;
    expect(JSON.parse(stored['payloadJson'] as string)).toMatchObject({ futureField: { nested: [1, 2] }, participantRole: 9 });
    expect(JSON.parse(stored['eventDetailJson'] as string)).toEqual({ futureTopLevel: 'kept', pubsubAttributes: { origin: 'test' } });

    await post(LIFECYCLE, makePushBody({ conversation: c.name, type: 42, somethingNew: true }));
    const events = (await readConversation(c.name))!['lifecycleEvents'] as Array<Record<string, unknown>>;
    expect(events).toEqual([expect.objectContaining({ type: 42, detailJson: '{"somethingNew":true}' })]);
  });

  it('stores a misrouted event correctly whichever endpoint receives it', async () => {
    const c = uniqueConversation();
    expect((await post(MESSAGES, makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED')))).body).toEqual({ outcome: 'stored' });
    expect((await post(LIFECYCLE, makePushBody(messageEvent(c.name, 'M1')))).body).toEqual({ outcome: 'stored' });
    expect(await readConversation(c.name)).toMatchObject({ startTime: expect.any(String) });
    expect(Object.keys(await readMessages(c.name))).toEqual(['M1']);
  });

  it('keeps NEW_RECOGNITION_RESULT events verbatim under the conversation', async () => {
    const c = uniqueConversation();
    const payload = { messageType: 'TRANSCRIPT', transcript: 'to be', isFinal: false };
    const pubsubId = nextMessageId();
    const body = makePushBody({ conversation: c.name, type: 'NEW_RECOGNITION_RESULT', newRecognitionResultPayload: payload }, { messageId: pubsubId });
    expect((await post(MESSAGES, body)).body).toEqual({ outcome: 'stored' });
    expect((await post(MESSAGES, body)).body).toEqual({ outcome: 'duplicate' });
    const results = await readRecognitionResults(c.name);
    expect(JSON.parse(results[pubsubId]!['payloadJson'] as string)).toEqual({ newRecognitionResultPayload: payload });
  });

  it('orders messages with equal create times by id through the sort key', async () => {
    const c = uniqueConversation();
    for (const id of ['Mb', 'Ma', 'Mc']) {
      await post(MESSAGES, makePushBody(messageEvent(c.name, id, { createTime: '2026-11-02T14:03:02Z' })));
    }
    const keys = Object.values(await readMessages(c.name)).map((m) => m['sortKey'] as string).sort();
    expect(keys).toEqual(['Ma', 'Mb', 'Mc'].map((id) => `2026-11-02T14:03:02.000000000Z#${id}`));
  });

  it('decodes data written as base64url without padding', async () => {
    const c = uniqueConversation();
    const body = makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'));
    body.message.data = base64(JSON.stringify(lifecycleEvent(c.name, 'CONVERSATION_STARTED'))).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    expect((await post(LIFECYCLE, body)).body).toEqual({ outcome: 'stored' });
  });
});
