import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { inject } from 'vitest';
import { toSortableTimestamp } from '../../shared/domain/timestamps';
import { lifecycleEvent, messageEvent, uniqueConversation } from '../support/builders';
import { freshTopics, pullAll, testPubSub } from '../support/pubsub';
import { baseUrl } from '../support/stack';
import { readConversation, snapshotConversation } from '../support/store';

/**
 * `npm run replay-dead-letters` against Google's Pub/Sub emulator: deliveries dead-lettered while the
 * function was unreachable are stored with their original publish times, and replaying the same dead
 * letters again changes nothing.
 */

const replayDeadLetters = (subscription: string) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'shared/commands/replayDeadLetters.ts', '--url', baseUrl(), '--subscription', subscription], {
    env: { ...process.env, PUBSUB_EMULATOR_HOST: inject('pubsubHost'), FIRESTORE_EMULATOR_HOST: inject('firestoreHost') },
  });

it('stores dead letters with their original publish times, and a second replay of them changes nothing', async () => {
  const pubsub = testPubSub();
  const { events: topic, deadLetter: deadLetterTopic, deadLetters, push, observer } = await freshTopics();
  // The test's own view of what was dead-lettered, beside the subscription the command replays.
  await pubsub.createSubscription(observer, { topic: deadLetterTopic });
  // The function is unreachable (nothing listens on port 9): every delivery fails, then dead-letters.
  await pubsub.createSubscription(push, {
    topic,
    pushConfig: { pushEndpoint: 'http://127.0.0.1:9/ingestLifecycleEvents' },
    deadLetterPolicy: { deadLetterTopic, maxDeliveryAttempts: 5 },
  });

  const c = uniqueConversation();
  const events = [lifecycleEvent(c.name, 'CONVERSATION_STARTED'), messageEvent(c.name, 'M1'), lifecycleEvent(c.name, 'CONVERSATION_FINISHED')];
  for (const event of events) {
    await pubsub.publish(topic, [{ data: Buffer.from(JSON.stringify(event)).toString('base64'), attributes: { origin: 'test' } }]);
  }
  const observed = await pullAll(observer, events.length, 90_000);
  expect(observed).toHaveLength(events.length);
  const startedAt = observed
    .filter((letter) => JSON.parse(Buffer.from(letter.message.data!, 'base64').toString())['type'] === 'CONVERSATION_STARTED')
    .map((letter) => letter.message.attributes!['CloudPubSubDeadLetterSourceTopicPublishTime']!)[0]!;

  const first = await replayDeadLetters(deadLetters);
  expect(first.stdout).toContain('3 dead letters: 3 stored, 0 already stored, 0 quarantined, 0 failed');
  const stored = await readConversation(c.name);
  expect(stored).toMatchObject({ lifecycleState: 'COMPLETED', startTime: toSortableTimestamp(startedAt) });
  // The original attributes are kept; Pub/Sub's dead-letter bookkeeping is not an event's.
  const attributes = (stored!['lifecycleEvents'] as Array<{ detailJson: string }>).map((event) => JSON.parse(event.detailJson).pubsubAttributes);
  expect(attributes).toEqual([{ origin: 'test' }, { origin: 'test' }]);
  const before = await snapshotConversation(c.name, c.id);

  // The same dead letters again (as a seek of the dead-letter subscription would bring them back).
  await pubsub.publish(deadLetterTopic, observed.map((letter) => ({ data: letter.message.data!, attributes: letter.message.attributes! })));
  const second = await replayDeadLetters(deadLetters);
  expect(second.stdout).toContain('3 dead letters: 0 stored, 3 already stored, 0 quarantined, 0 failed');
  expect(await snapshotConversation(c.name, c.id)).toEqual(before);

  const third = await replayDeadLetters(deadLetters);
  expect(third.stdout).toContain('0 dead letters');
}, 150_000);
