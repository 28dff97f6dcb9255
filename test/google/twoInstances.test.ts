import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { INGEST_TARGETS, createPushTopology, type PushTopology } from '../../shared/pubsub/pubsubTopology';
import { targetFor, type IngestTarget } from '../../shared/pubsub/pushDelivery';
import { lifecycleEvent, messageEvent, uniqueConversation } from '../support/builders';
import { acknowledgedMessageIds, countLogEvents, publishEvents, pullAll, PUBSUB_PROJECT, testPubSub, uniqueTopology, waitUntil } from '../support/pubsub';
import { compareWithStore, expectedStore, recordedConversation, type PushMessage } from '../support/pushSubscriptionSimulator';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';

/**
 * Two instances of the stack share one database, and each has its own push
 * subscription to every topic: every event is applied by two processes at
 * once, as happens when Pub/Sub delivers a message to two instances of a
 * function. Only a store that isolates transactions keeps each conversation a
 * function of its events; Google's Firestore emulator does, as Firestore does
 * (the embedded emulator does not, and this test is not run on it).
 */

const logPaths = ['a', 'b'].map((name) => join(process.cwd(), '.test-output', `two-instances-${name}.log`));
let stacks: SpawnedStack[] = [];
let topology: PushTopology;
/** A pull subscription per topic, created before anything is published: what Pub/Sub assigned to each message. */
let reference: Record<IngestTarget, string>;

beforeAll(async () => {
  stacks = await Promise.all(logPaths.map((logPath) => spawnStack({ FIRESTORE_EMULATOR_HOST: inject('firestoreHost') }, logPath)));
  topology = await uniqueTopology(stacks[0]!.url, '-a');
  const topics = Object.fromEntries(INGEST_TARGETS.map((target) => [target, topology.topics[target].split('/').pop()!])) as Record<IngestTarget, string>;
  await createPushTopology(testPubSub(), { project: PUBSUB_PROJECT, functionsUrl: stacks[1]!.url, topics, deadLetterTopic: topology.deadLetterTopic.split('/').pop(), subscriptionSuffix: '-b' });
  reference = Object.fromEntries(INGEST_TARGETS.map((target) => [target, `${topology.pushSubscriptions[target]}-reference`])) as Record<IngestTarget, string>;
  for (const target of INGEST_TARGETS) {
    await testPubSub().createSubscription(reference[target], { topic: topology.topics[target] });
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(stacks.map((stack) => stack.stop()));
});

it('ends every conversation where a clean single delivery ends it, with every event applied by both instances at once', async () => {
  const busy = uniqueConversation();
  // Dozens of lifecycle events of one conversation, published at once: every one is a transaction on the same document.
  const busyEvents = [
    lifecycleEvent(busy.name, 'CONVERSATION_STARTED'),
    ...Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? lifecycleEvent(busy.name, 'HUMAN_INTERVENTION_NEEDED') : lifecycleEvent(busy.name, 'UNRECOVERABLE_ERROR', { errorStatus: { code: 14, message: `error ${i}` } }),
    ),
    ...Array.from({ length: 10 }, (_, i) => messageEvent(busy.name, `M${i}`, { createTime: `2026-11-02T14:03:${String(i).padStart(2, '0')}.000001Z` })),
    lifecycleEvent(busy.name, 'CONVERSATION_FINISHED'),
  ];
  const ordinary = Array.from({ length: 8 }, (_, i) =>
    recordedConversation(uniqueConversation().id, { messages: 12, humanIntervention: i % 2 === 0, startMinute: i, messageIdPrefix: 'unused' }).map((message) => message.event),
  );
  const events = [...busyEvents, ...ordinary.flat()];
  const published = await publishEvents(topology, events);
  expect(new Set(published).size).toBe(events.length);

  // Done when each instance has acknowledged every message (a 503 under contention is redelivered by Pub/Sub).
  const unacknowledged = () =>
    logPaths.map((logPath) => {
      const acknowledged = acknowledgedMessageIds(logPath);
      return published.filter((id) => !acknowledged.has(id)).length;
    });
  await waitUntil(`both instances acknowledged all ${published.length} messages`, () => (unacknowledged().every((n) => n === 0) ? true : undefined), 180_000).catch(
    (error: Error) => {
      throw new Error(`${error.message}; still unacknowledged by each instance: ${unacknowledged().join(', ')}`);
    },
  );

  // A clean single delivery of the very messages Pub/Sub delivered (its ids and publish times), folded by the domain.
  const delivered: PushMessage[] = [];
  for (const target of INGEST_TARGETS) {
    const count = events.filter((event) => targetFor(event) === target).length;
    for (const received of await pullAll(reference[target], count)) {
      const event = JSON.parse(Buffer.from(received.message.data!, 'base64').toString('utf8')) as Record<string, unknown>;
      delivered.push({ messageId: received.message.messageId, publishTime: received.message.publishTime, event });
    }
  }
  expect(delivered.length).toBe(events.length);
  const comparison = await compareWithStore(expectedStore(delivered));
  const logs = logPaths.map((logPath) => countLogEvents(logPath));
  process.stdout.write(
    `two instances: ${events.length} events (${busyEvents.length} of one conversation), ${comparison.conversations} conversations; ` +
      logs.map((counts, i) => `instance ${'ab'[i]}: stored ${counts['ingest.stored'] ?? 0}, duplicate ${counts['ingest.duplicate'] ?? 0}, failed ${counts['ingest.failed'] ?? 0}`).join('; ') +
      '\n',
  );
  expect(comparison.mismatches).toEqual([]);
  expect(comparison.messageDocuments).toBe(comparison.expectedMessageDocuments);
  // Nothing was given up on.
  expect(await testPubSub().pull(topology.deadLetterSubscription, 10)).toEqual([]);
  // Each event changed the store once, in one of the two instances; the other found it applied. Without isolation
  // both would see the old state and both would store. (An update answered 503 at its deadline may still have
  // committed; its redelivery is then a duplicate, hence the allowance for failures.)
  const total = (event: string) => logs.reduce((sum, counts) => sum + (counts[event] ?? 0), 0);
  expect(total('ingest.stored')).toBeLessThanOrEqual(events.length);
  expect(total('ingest.stored')).toBeGreaterThanOrEqual(events.length - total('ingest.failed'));
}, 240_000);
