import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { targetFor, toPushBody, type RecordedMessage } from '../../shared/pubsub/pushDelivery';
import { uniqueConversation } from '../support/builders';
import { post } from '../support/stack';
import { snapshotConversation } from '../support/store';
import { LOAD_TEST_TIMEOUT_MS } from '../support/loadGuard';

/**
 * The correctness rule, end to end: any order and any number of repeats of
 * a conversation's deliveries end in exactly the same stored state as one
 * clean, in-order delivery.
 */

type Step =
  | { kind: 'lifecycle'; type: string | number; second: number }
  | { kind: 'message'; id: string; second: number; createSecond: number };

const lifecycleType = fc.constantFrom('CONVERSATION_STARTED', 'CONVERSATION_FINISHED', 'HUMAN_INTERVENTION_NEEDED', 'UNRECOVERABLE_ERROR', 4, 2, 99);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('lifecycle' as const), type: lifecycleType, second: fc.integer({ min: 0, max: 59 }) }),
  fc.record({
    kind: fc.constant('message' as const),
    id: fc.stringMatching(/^M[a-z0-9]{1,6}$/),
    second: fc.integer({ min: 0, max: 59 }),
    // Few distinct create times, so that many messages share one.
    createSecond: fc.integer({ min: 0, max: 3 }),
  }),
);

function toRecorded(conversation: string, s: Step, index: number): RecordedMessage {
  const publishTime = `2026-11-02T14:03:${String(s.second).padStart(2, '0')}.${String(index).padStart(3, '0')}Z`;
  const messageId = `pubsub-${index}`;
  if (s.kind === 'lifecycle') {
    const extra = s.type === 'UNRECOVERABLE_ERROR' || s.type === 4 ? { errorStatus: { code: 13, message: 'boom' } } : {};
    return { publishTime, messageId, event: { conversation, type: s.type, ...extra } };
  }
  return {
    publishTime,
    messageId,
    event: {
      conversation,
      type: 'NEW_MESSAGE',
      newMessagePayload: {
        name: `${conversation}/messages/${s.id}`,
        content: `text ${s.id}`,
        participantRole: 'END_USER',
        createTime: `2026-11-02T14:03:0${s.createSecond}Z`,
      },
    },
  };
}

async function deliver(messages: RecordedMessage[]): Promise<void> {
  for (const message of messages) {
    const answer = await post(`/${targetFor(message.event)}`, toPushBody(message));
    expect(answer.status).toBe(200);
    expect(['stored', 'duplicate']).toContain(answer.body['outcome']);
  }
}

describe('order and repeats do not change the stored state', () => {
  it('stores the same conversation for any permutation with duplications of its deliveries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 12 }).chain((steps) =>
          fc.record({
            steps: fc.constant(steps),
            // Each delivery index, repeated 1 to 3 times, then shuffled.
            order: fc
              .tuple(...steps.map((_, index) => fc.array(fc.constant(index), { minLength: 1, maxLength: 3 })))
              .chain((groups) => fc.shuffledSubarray(groups.flat(), { minLength: groups.flat().length })),
          }),
        ),
        async ({ steps, order }) => {
          const clean = uniqueConversation();
          const shuffled = uniqueConversation();
          // A message id used twice in steps is the same Dialogflow message: give both the same content.
          const firstOfId = new Map<string, number>();
          const canonical = steps.map((s, index) => {
            if (s.kind !== 'message') return s;
            const first = firstOfId.get(s.id);
            if (first === undefined) {
              firstOfId.set(s.id, index);
              return s;
            }
            return steps[first]!;
          });
          await deliver(canonical.map((s, index) => toRecorded(clean.name, s, index)));
          await deliver(order.map((index) => toRecorded(shuffled.name, canonical[index]!, index)));
          expect(await snapshotConversation(shuffled.name, shuffled.id)).toEqual(await snapshotConversation(clean.name, clean.id));
        },
      ),
      { numRuns: 40 },
    );
  }, LOAD_TEST_TIMEOUT_MS);
});
