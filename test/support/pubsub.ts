import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { EMULATOR_PROJECT_ID } from '../../shared/platform/config';
import { createEmulatorPubSub, type PubSubRest, type ReceivedMessage } from '../../shared/pubsub/pubsubRest';
import { createPushTopology, type PushTopology } from '../../shared/pubsub/pubsubTopology';
import { targetFor } from '../../shared/pubsub/pushDelivery';

/** Google's Pub/Sub emulator that test:google started (see googleGlobalSetup.ts). */
export function testPubSub(): PubSubRest {
  return createEmulatorPubSub(inject('pubsubHost'));
}

export const PUBSUB_PROJECT = EMULATOR_PROJECT_ID;

/** Terraform's topology, but with topics of this test's own, pushing to `functionsUrl`. */
export async function uniqueTopology(functionsUrl: string, subscriptionSuffix = ''): Promise<PushTopology> {
  const prefix = `t${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  return createPushTopology(testPubSub(), {
    project: PUBSUB_PROJECT,
    functionsUrl,
    topics: { ingestLifecycleEvents: `${prefix}-lifecycle`, ingestMessageEvents: `${prefix}-messages`, ingestRecognitionResults: `${prefix}-recognition-results` },
    deadLetterTopic: `${prefix}-dead-letter`,
    subscriptionSuffix,
  });
}

/**
 * A topic of this test's own, and a dead-letter topic with its pull subscription; `push` is a free name for
 * the push subscription the test creates with its own settings.
 */
export async function freshTopics() {
  const pubsub = testPubSub();
  const name = (kind: string, id: string) => `projects/${PUBSUB_PROJECT}/${kind}/${id}`;
  const prefix = `t${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const topics = { events: name('topics', prefix), deadLetter: name('topics', `${prefix}-dead-letter`), deadLetters: name('subscriptions', `${prefix}-dead-letter-pull`) };
  await pubsub.createTopic(topics.events);
  await pubsub.createTopic(topics.deadLetter);
  await pubsub.createSubscription(topics.deadLetters, { topic: topics.deadLetter });
  return { ...topics, push: name('subscriptions', `${prefix}-push`), observer: name('subscriptions', `${prefix}-dead-letter-observer`) };
}

/** Publishes each event to the topic Dialogflow's notification configs would route it to, all at once; returns the message ids. */
export async function publishEvents(topology: Pick<PushTopology, 'topics'>, events: Array<Record<string, unknown>>): Promise<string[]> {
  const pubsub = testPubSub();
  return Promise.all(
    events.map(async (event) => {
      const data = Buffer.from(JSON.stringify(event)).toString('base64');
      const [messageId] = await pubsub.publish(topology.topics[targetFor(event)], [{ data }]);
      return messageId!;
    }),
  );
}

/** Pulls (and acknowledges) until `count` messages arrived or `timeoutMs` passed. */
export async function pullAll(subscription: string, count: number, timeoutMs = 30_000): Promise<ReceivedMessage[]> {
  const pubsub = testPubSub();
  const received: ReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    const batch = await pubsub.pull(subscription, Math.min(1_000, count - received.length));
    await pubsub.acknowledge(subscription, batch.map((message) => message.ackId));
    received.push(...batch);
    if (batch.length === 0) await sleep(100);
  }
  return received;
}

/** Polls `check` until it returns a value (not undefined); fails with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(200);
  }
}

/** The Pub/Sub message ids a stack acknowledged as stored or duplicate, read from its JSON log. */
export function acknowledgedMessageIds(logPath: string): Set<string> {
  const ids = new Set<string>();
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.includes('"ingest.stored"') && !line.includes('"ingest.duplicate"')) continue;
    const entry = JSON.parse(line) as { pubsubMessageId?: string };
    if (entry.pubsubMessageId) ids.add(entry.pubsubMessageId);
  }
  return ids;
}

/** How many lines of each `event` a stack's JSON log holds. */
export function countLogEvents(logPath: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const event = String((JSON.parse(line) as { event?: string }).event);
    counts[event] = (counts[event] ?? 0) + 1;
  }
  return counts;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
