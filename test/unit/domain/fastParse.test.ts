import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import * as mini from 'zod/mini';
import { ConversationEventSchema } from '../../../shared/domain/conversationEvent';
import { ConversationStateSchema, emptyConversationState, mergeConversationSnapshot, mergeLifecycleEvent } from '../../../shared/domain/conversationState';
import { compile, withFastPath } from '../../../shared/domain/fastParse';
import { MessageSchema } from '../../../shared/domain/message';
import { protoObject, toSnakeCase } from '../../../shared/domain/protoJson';
import { PushEnvelopeSchema } from '../../../shared/domain/pushEnvelope';
import { PARSE_OPTIONS } from '../../../shared/domain/validation';
import { lifecycleEvent, messageEvent } from '../../support/builders';

/**
 * The fast path compiled from a schema must be invisible: whatever it
 * accepts comes out exactly as zod's parse (keys, their order, transforms),
 * and whatever it declines zod parses as before. Random events near the
 * valid ones (spellings, enum numbers, wrong types, missing and extra keys,
 * a field given twice) exercise both.
 */

const limits = { numRuns: 400, interruptAfterTimeLimit: 15_000, markInterruptAsFailure: true };
const CONVERSATION = 'projects/p/locations/global/conversations/C1';
const declined = (value: unknown) => typeof value === 'symbol';

/** The same value with object keys in a random order: zod's output order must not depend on it. */
const shuffledKeys = (value: unknown, seed: number): unknown => {
  if (Array.isArray(value)) return Array.from(value, (item, index) => shuffledKeys(item, seed + index));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).map(([key, item], index): [string, unknown] => [key, shuffledKeys(item, seed * 31 + index)]);
  entries.sort((a, b) => ((a[0].length * 7919 + seed) % 13) - ((b[0].length * 7919 + seed) % 13));
  return Object.fromEntries(entries);
};

/** One random change somewhere in the value: a key respelled, replaced, removed, added or doubled. */
const mutation = fc.record({
  path: fc.array(fc.nat(), { maxLength: 4 }),
  kind: fc.constantFrom('snake', 'replace', 'remove', 'add', 'twice-same', 'twice-different', 'enum-number'),
  value: fc.jsonValue({ maxDepth: 2 }),
  key: fc.constantFrom('extra', 'details', 'code', 'parts', 'text', 'score', 'name', 'type', 'constructor', 'toString'),
  seed: fc.nat(1000),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(root: unknown, change: Mutation): unknown {
  const copy = JSON.parse(JSON.stringify(root)) as unknown;
  let target = copy as Record<string, unknown>;
  for (const step of change.path) {
    const keys = Object.keys(target).filter((key) => typeof target[key] === 'object' && target[key] !== null);
    if (keys.length === 0) break;
    target = target[keys[step % keys.length]!] as Record<string, unknown>;
  }
  const keys = Object.keys(target);
  const key = keys.length > 0 ? keys[change.seed % keys.length]! : change.key;
  switch (change.kind) {
    case 'snake':
      if (toSnakeCase(key) !== key) {
        target[toSnakeCase(key)] = target[key];
        delete target[key];
      }
      break;
    case 'replace':
      target[key] = change.value;
      break;
    case 'remove':
      delete target[key];
      break;
    case 'add':
      target[change.key] = change.value;
      break;
    case 'twice-same':
      target[toSnakeCase(key)] = target[key];
      break;
    case 'twice-different':
      target[toSnakeCase(key)] = change.value;
      break;
    case 'enum-number':
      target[key] = change.seed % 7;
      break;
  }
  return shuffledKeys(copy, change.seed);
}

const events = fc.constantFrom(
  messageEvent(CONVERSATION, 'M1'),
  messageEvent(CONVERSATION, 'M2', {
    messageAnnotation: { parts: [{ text: 'a', entityType: 'x' }, { text: 'b' }], containEntities: true },
    sentimentAnalysis: { queryTextSentiment: { score: 0.25, magnitude: 1 } },
    sendTime: '2026-11-02T14:03:02Z',
    unknownField: { kept: [1, 2] },
  }),
  lifecycleEvent(CONVERSATION, 'CONVERSATION_STARTED'),
  lifecycleEvent(CONVERSATION, 'UNRECOVERABLE_ERROR', { errorStatus: { code: 9, message: 'failed', details: [{ '@type': 'x' }] } }),
  lifecycleEvent(CONVERSATION, 4),
  { conversation: CONVERSATION, type: 'NEW_RECOGNITION_RESULT', newRecognitionResultPayload: { transcript: 't', isFinal: true } },
);

const envelopes = fc.constantFrom(
  { message: { data: 'e30=', messageId: '1', publishTime: '2026-11-02T14:03:00.120Z' }, subscription: 'projects/p/subscriptions/s' },
  {
    message: { data: 'e30=', messageId: '1', message_id: '1', publishTime: 'x', publish_time: 'x', attributes: { a: 'b' }, orderingKey: 'k' },
    subscription: 'projects/p/subscriptions/s',
    deliveryAttempt: 3,
  },
);

function expectSameAsZod(schema: z.core.$ZodType, value: unknown): void {
  const fast = compile(schema)!(value);
  const slow = z.safeParse(schema, value, PARSE_OPTIONS);
  if (!declined(fast)) {
    expect(slow.success).toBe(true);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.data));
    expect(fast).toStrictEqual(slow.data);
  }
  const combined = withFastPath(schema)(value);
  expect(combined.success).toBe(slow.success);
  if (combined.success) expect(JSON.stringify(combined.data)).toBe(JSON.stringify(slow.data));
  else expect(combined.error!.issues).toStrictEqual(slow.error!.issues);
}

describe('the fast path compiled from a schema', () => {
  it('parses every event near a valid one exactly as zod does, or leaves it to zod', () => {
    fc.assert(
      fc.property(events, fc.array(mutation, { maxLength: 3 }), (event, changes) => {
        const value = changes.reduce<unknown>((current, change) => mutate(current, change), event);
        expectSameAsZod(ConversationEventSchema, value);
        expectSameAsZod(MessageSchema, (value as { newMessagePayload?: unknown }).newMessagePayload);
      }),
      limits,
    );
  });

  it('parses every push envelope near a valid one exactly as zod does, or leaves it to zod', () => {
    fc.assert(
      fc.property(envelopes, fc.array(mutation, { maxLength: 3 }), (envelope, changes) => {
        expectSameAsZod(PushEnvelopeSchema, changes.reduce<unknown>((current, change) => mutate(current, change), envelope));
      }),
      limits,
    );
  });

  it('reads stored conversation states (both schema versions, with the document fields it drops) exactly as zod does', () => {
    const id = { project: 'p', location: 'global', conversationId: 'C1', name: CONVERSATION };
    const started = mergeLifecycleEvent(undefined, id, { type: 'CONVERSATION_STARTED', publishTime: '2026-11-02T14:03:00.000000000Z', pubsubMessageId: '1' });
    const read = mergeConversationSnapshot(started, id, {
      found: true,
      readTime: '2026-11-03T14:03:00.000000000Z',
      conversationJson: JSON.stringify({ name: CONVERSATION, lifecycleState: 'COMPLETED' }),
      lifecycleState: 'COMPLETED',
      startTime: '2026-11-02T14:02:59.000000000Z',
      endTime: null,
      stage: 'HUMAN_ASSIST_STAGE',
      conversationProfile: 'projects/p/locations/global/conversationProfiles/X',
      phoneNumber: { phoneNumber: '+1555' },
    });
    const version1 = { name: CONVERSATION, project: 'p', location: 'global', conversationId: 'C1', lifecycleState: 'IN_PROGRESS', startTime: null, endTime: null, conversationStage: null, lifecycleEvents: [], lifecycleEventsTruncated: false };
    const states = fc.constantFrom<unknown>(emptyConversationState(id), started, read, version1).map((state) => ({ ...(state as object), schemaVersion: 2, sortKey: 'x' }));
    fc.assert(
      fc.property(states, fc.array(mutation, { maxLength: 3 }), (state, changes) => {
        expectSameAsZod(ConversationStateSchema, changes.reduce<unknown>((current, change) => mutate(current, change), state));
      }),
      limits,
    );
    expect(declined(compile(ConversationStateSchema)!(JSON.parse(JSON.stringify(read))))).toBe(false);
  });

  it('parses any JSON value exactly as zod does, or leaves it to zod', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        expectSameAsZod(ConversationEventSchema, value);
        expectSameAsZod(PushEnvelopeSchema, value);
      }),
      limits,
    );
  });

  it('takes the common deliveries itself: what Dialogflow and Pub/Sub send, in either spelling', () => {
    const message = messageEvent(CONVERSATION, 'M1');
    for (const value of [message, lifecycleEvent(CONVERSATION, 'CONVERSATION_FINISHED'), { ...message, new_message_payload: message.newMessagePayload, newMessagePayload: undefined }]) {
      expect(declined(compile(ConversationEventSchema)!(JSON.parse(JSON.stringify(value))))).toBe(false);
    }
    const pubsub = { message: { data: 'e30=', messageId: '7', message_id: '7', publishTime: '2026-11-02T14:03:00Z', publish_time: '2026-11-02T14:03:00Z' }, subscription: 's' };
    expect(declined(compile(PushEnvelopeSchema)!(pubsub))).toBe(false);
  });

  it('declines whatever zod refuses, so that zod says why', () => {
    const fast = compile(ConversationEventSchema)!;
    expect(declined(fast({ conversation: CONVERSATION }))).toBe(true);
    expect(declined(fast({ conversation: CONVERSATION, type: '' }))).toBe(true);
    expect(declined(fast({ conversation: CONVERSATION, type: 'X', conversation_: 1, newMessagePayload: { name: 5 } }))).toBe(true);
    expect(declined(fast({ conversation: CONVERSATION, type: 'X', errorStatus: { code: 1.5 } }))).toBe(true);
    // A field spelled twice with different values: the preprocess adds an issue.
    expect(declined(fast({ conversation: CONVERSATION, type: 'X', error_status: { code: 1 }, errorStatus: { code: 2 } }))).toBe(true);
  });

  it('has no fast path for a schema with a part it does not know, and zod parses alone', () => {
    const schema = z.object({ at: z.date() });
    expect(compile(schema)).toBeUndefined();
    expect(withFastPath(schema)({ at: new Date(0) })).toStrictEqual(schema.safeParse({ at: new Date(0) }));
  });

  it('tries the options of a union in order, as zod does', () => {
    const schema = z.object({ value: z.union([z.string().min(3), z.number().int(), z.string()]) });
    for (const value of ['ab', 'abc', 3, 3.5, true]) expectSameAsZod(schema, { value });
  });

  it('runs the checks of a schema that is itself a check (z.int(), a string format) in both of zod\'s builds', () => {
    for (const schema of [mini.int(), z.int(), mini.email(), z.email(), mini.object({ n: mini.optional(mini.int().check(mini.minimum(0))) })]) {
      for (const value of [1, 1.5, -1, 'a@b.c', 'not an email', { n: 2 }, { n: 2.5 }, { n: -1 }]) expectSameAsZod(schema, value);
    }
    expect(declined(compile(mini.int())!(1.5))).toBe(true);
  });

  it('keeps unknown keys of a loose object after the known ones, and drops them from a plain one', () => {
    const loose = protoObject({ first: z.string(), second: z.number().optional() });
    expect(JSON.stringify(compile(loose)!({ extra: 1, second: 2, first: 'a' }))).toBe('{"first":"a","second":2,"extra":1}');
    expect(compile(z.object({ a: z.string() }))!({ b: 1, a: 'x' })).toStrictEqual({ a: 'x' });
    expect(declined(compile(z.strictObject({ a: z.string() }))!({ b: 1, a: 'x' }))).toBe(true);
  });
});
