import { beforeAll, expect, it } from 'vitest';
import type { PushTopology } from '../../shared/pubsub/pubsubTopology';
import { lifecycleEvent, messageEvent, uniqueConversation } from '../support/builders';
import { officialConversationsClient } from '../support/officialClient';
import { publishEvents, uniqueTopology, waitUntil } from '../support/pubsub';
import { baseUrl, stackLogLines } from '../support/stack';
import { readConversation, readMessages, readRecognitionResults } from '../support/store';

/**
 * Publish → Pub/Sub push → function → Firestore → the official client: every
 * event type goes the way it goes in production, through Google's Pub/Sub
 * emulator and real push subscriptions (Terraform's settings, topics of this
 * test's own), into Google's Firestore emulator.
 */

let topology: PushTopology;
beforeAll(async () => {
  topology = await uniqueTopology(baseUrl());
});

it('stores every event type published to the topics, and serves it to the official client', async () => {
  const c = uniqueConversation();
  const recognitionResult = {
    conversation: c.name,
    type: 'NEW_RECOGNITION_RESULT',
    newRecognitionResultPayload: { messageType: 'TRANSCRIPT', transcript: 'I would like', isFinal: false, languageCode: 'en-US' },
  };
  const events = [
    lifecycleEvent(c.name, 'CONVERSATION_STARTED'),
    messageEvent(c.name, 'M1', { createTime: '2026-11-02T14:03:01.000001Z', participantRole: 'END_USER', content: 'hello' }),
    messageEvent(c.name, 'M2', { createTime: '2026-11-02T14:03:02.000002Z', participantRole: 'AUTOMATED_AGENT', content: 'hi, how can I help?' }),
    lifecycleEvent(c.name, 'HUMAN_INTERVENTION_NEEDED'),
    messageEvent(c.name, 'M3', { createTime: '2026-11-02T14:03:03.000003Z', participantRole: 'HUMAN_AGENT', content: 'an agent here' }),
    lifecycleEvent(c.name, 'UNRECOVERABLE_ERROR', { errorStatus: { code: 14, message: 'agent unavailable' } }),
    recognitionResult,
    lifecycleEvent(c.name, 'CONVERSATION_FINISHED'),
  ];
  const published = await publishEvents(topology, events);

  const stored = await waitUntil('every published event is stored', async () => {
    const [conversation, messages, recognitionResults] = await Promise.all([readConversation(c.name), readMessages(c.name), readRecognitionResults(c.name)]);
    const lifecycleEvents = (conversation?.['lifecycleEvents'] as unknown[] | undefined)?.length ?? 0;
    const done = lifecycleEvents === 4 && Object.keys(messages).length === 3 && Object.keys(recognitionResults).length === 1;
    return done ? { conversation: conversation!, messages, recognitionResults } : undefined;
  });

  // Each delivery came through a push subscription, with the ids and publish times Pub/Sub assigned.
  const deliveries = stackLogLines().filter((line) => line['event'] === 'ingest.stored' && line['conversation'] === c.name);
  expect(new Set(deliveries.map((line) => line['pubsubMessageId']))).toEqual(new Set(published));
  expect(new Set(deliveries.map((line) => line['subscription']))).toEqual(new Set(Object.values(topology.pushSubscriptions)));
  const publishTimes = (stored.conversation['lifecycleEvents'] as Array<{ publishTime: string }>).map((event) => Date.parse(event.publishTime));
  expect(publishTimes.every((time) => Math.abs(Date.now() - time) < 120_000)).toBe(true);
  expect(Object.values(stored.recognitionResults)[0]!['payloadJson']).toContain('"transcript":"I would like"');

  const client = officialConversationsClient();
  const [conversation] = await client.getConversation({ name: c.name });
  expect(conversation).toMatchObject({ name: c.name, lifecycleState: 'COMPLETED', conversationStage: 'HUMAN_ASSIST_STAGE' });
  expect(Number(conversation.startTime!.seconds)).toBeLessThanOrEqual(Number(conversation.endTime!.seconds));
  const [messages] = await client.listMessages({ parent: c.name });
  expect(messages.map((message) => [message.name, message.participantRole, message.content])).toEqual([
    [`${c.name}/messages/M3`, 'HUMAN_AGENT', 'an agent here'],
    [`${c.name}/messages/M2`, 'AUTOMATED_AGENT', 'hi, how can I help?'],
    [`${c.name}/messages/M1`, 'END_USER', 'hello'],
  ]);
  // Firestore keeps microseconds, and so do Dialogflow's create times: served exactly.
  expect(messages.map((message) => [Number(message.createTime!.seconds) % 60, message.createTime!.nanos])).toEqual([
    [3, 3_000],
    [2, 2_000],
    [1, 1_000],
  ]);
});
