import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LIFECYCLE_DETAIL_BYTES } from '../../../shared/domain/conversationState';
import { MAX_STORED_JSON_BYTES, decodeDelivery, type DecodeResult } from '../../../shared/domain/decodeDelivery';
import { SAFE_ID, parseConversationName, parseMessageName } from '../../../shared/domain/resourceNames';
import {
  ALL_CODES,
  MARKER,
  RENAMED_SNAKE_KEYS,
  defineOwn,
  expectedStorage,
  isObject,
  lifecycleBase,
  messageBase,
  recognitionBase,
  sortedJson,
} from '../../support/hostileCorpus';

/**
 * Property-based fuzzing of decodeDelivery (pure): whatever the body, it
 * never throws; it either returns a well-formed IngestEvent, stored as sent,
 * or a rejection with a known code and a reason that never quotes message
 * text (a marker is planted in every `content`).
 */

const CONVERSATION = 'projects/fuzz-project/locations/global/conversations/C1';
const PUBSUB_ID = '4242';
const SORTABLE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
const CANONICAL = /^projects\/[^/]+\/locations\/[^/]+\/conversations\/[^/]+$/;
const utf8Bytes = (text: string) => Buffer.byteLength(text);
const base64 = (bytes: string | Uint8Array) => Buffer.from(bytes).toString('base64');

// fc.assert runs synchronously, out of reach of vitest's timeout: bound it (shrinking included) so a failure cannot hang the run.
const limits = { interruptAfterTimeLimit: 15_000, markInterruptAsFailure: true };

/** A push body as the HTTP layer hands it over: parsed JSON. */
function push(data: string, message: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}): unknown {
  return JSON.parse(
    JSON.stringify({
      message: { data, messageId: PUBSUB_ID, publishTime: '2026-11-02T14:03:00.120Z', ...message },
      subscription: 'projects/fuzz-project/subscriptions/push',
      ...envelope,
    }),
  );
}

function fail(problem: string, result: DecodeResult): never {
  throw new Error(`${problem}: ${JSON.stringify(result).slice(0, 600)}`);
}

function parsesBack(json: unknown, limit: number, what: string, result: DecodeResult): unknown {
  if (typeof json !== 'string') fail(`${what} is not text`, result);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    fail(`${what} does not parse back`, result);
  }
  if (JSON.stringify(value) !== json) fail(`${what} does not round-trip`, result);
  if (utf8Bytes(json) > limit) fail(`${what} is over ${limit} bytes`, result);
  return value;
}

/** The invariants every decode result must hold. */
function checkResult(result: DecodeResult): void {
  if (!result.ok) {
    const { code, reason } = result.rejection;
    if (!ALL_CODES.includes(code)) fail(`unknown rejection code ${code}`, result);
    if (typeof reason !== 'string' || reason.trim() === '') fail('a rejection without a reason', result);
    if (reason.includes(MARKER)) fail('the reason quotes message text', result);
    return;
  }
  const { event, facts } = result;
  const { conversation } = event;
  if (!CANONICAL.test(conversation.name)) fail('the conversation name is not canonical', result);
  for (const segment of [conversation.project, conversation.location, conversation.conversationId]) {
    if (!SAFE_ID.test(segment)) fail(`the segment ${segment} is not a safe document id`, result);
  }
  expect(parseConversationName(conversation.name)).toEqual(conversation);
  if (facts.conversation !== conversation.name) fail('facts name another conversation', result);

  switch (event.kind) {
    case 'message': {
      const { record } = event;
      if (record.conversation.name !== conversation.name) fail('the message names another conversation', result);
      if (!SAFE_ID.test(record.messageId)) fail('the message id is not a safe document id', result);
      if (!SORTABLE.test(record.createTime)) fail('createTime is not in the sortable form', result);
      if (record.sortKey !== `${record.createTime}#${record.messageId}`) fail('the sort key is not createTime#messageId', result);
      const payload = parsesBack(record.payloadJson, MAX_STORED_JSON_BYTES, 'payloadJson', result);
      const name = isObject(payload) && typeof payload['name'] === 'string' ? parseMessageName(payload['name']) : undefined;
      if (name?.name !== conversation.name || name.messageId !== record.messageId) fail("the payload's name is not this message's", result);
      if (record.eventDetailJson !== undefined) parsesBack(record.eventDetailJson, MAX_LIFECYCLE_DETAIL_BYTES, 'eventDetailJson', result);
      if (record.participantRole !== undefined && typeof record.participantRole !== 'string' && typeof record.participantRole !== 'number') {
        fail('participantRole is neither a name nor a number', result);
      }
      return;
    }
    case 'lifecycle': {
      const { record } = event;
      if (!SORTABLE.test(record.publishTime)) fail('publishTime is not in the sortable form', result);
      if (!SAFE_ID.test(record.pubsubMessageId)) fail('the Pub/Sub id is not a safe id', result);
      const typeOk = typeof record.type === 'string' ? record.type.length > 0 && record.type.length <= 128 : Number.isSafeInteger(record.type);
      if (!typeOk) fail('the event type is not an enum name or number', result);
      if (record.detailJson !== undefined) parsesBack(record.detailJson, MAX_LIFECYCLE_DETAIL_BYTES, 'detailJson', result);
      return;
    }
    case 'recognition_result': {
      const { record } = event;
      if (!SORTABLE.test(record.publishTime)) fail('publishTime is not in the sortable form', result);
      if (!SAFE_ID.test(record.pubsubMessageId)) fail('the Pub/Sub id is not a safe document id', result);
      parsesBack(record.payloadJson, MAX_STORED_JSON_BYTES, 'payloadJson', result);
      return;
    }
  }
}

const decodeAndCheck = (body: unknown) => {
  const result = decodeDelivery(body);
  checkResult(result);
  return result;
};

// ---------------------------------------------------------------------------------------------
// Generators

const validNames = fc.constantFrom(
  CONVERSATION,
  'projects/fuzz-project/conversations/C1',
  'projects/p-1/locations/europe-west1/conversations/x~y:z.1',
  `projects/p/conversations/${'a'.repeat(128)}`,
);
const trickyNames = fc.constantFrom(
  'projects/p/conversations/..',
  'projects/p/conversations/a%2Fb',
  'projects/p/../q/conversations/c',
  'projects/p/conversations/a\\b',
  'projects/p/conversations/ｘ',
  'projects/p/conversations/x\u0000',
  `projects/p/conversations/${'a'.repeat(129)}`,
  '',
);
const conversationNames = fc.oneof(validNames, trickyNames, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const eventTypes = fc.oneof(
  fc.constantFrom('CONVERSATION_STARTED', 'CONVERSATION_FINISHED', 'HUMAN_INTERVENTION_NEEDED', 'UNRECOVERABLE_ERROR', 'NEW_MESSAGE', 'NEW_RECOGNITION_RESULT', 'TYPE_UNSPECIFIED'),
  fc.integer({ min: -2, max: 9 }),
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 1 }),
);
const keys = fc
  .oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'name', 'content', 'type', 'conversation', 'newMessagePayload', 'participantRole', 'createTime', ''),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
  )
  .filter((key) => !RENAMED_SNAKE_KEYS.has(key));
const jsonValues = fc.jsonValue({ maxDepth: 3 });

/** A message payload with the marker in its text, arbitrary fields of known and unknown names. */
const payloads = (conversation: fc.Arbitrary<string>) =>
  fc
    .record(
      {
        name: fc.oneof(conversation.map((name) => `${name}/messages/M1`), fc.string({ maxLength: 30 })),
        content: fc.oneof(fc.constant(MARKER), fc.string({ maxLength: 20 }).map((text) => `${text}${MARKER}${text}`)),
        participantRole: fc.oneof(fc.constantFrom('END_USER', 'HUMAN_AGENT'), fc.integer({ min: -1, max: 5 }), jsonValues),
        createTime: fc.oneof(fc.constantFrom('2026-11-02T14:03:02.455120789Z', '2026-11-02T16:03:02+02:00', 'now', ''), jsonValues),
        messageAnnotation: fc.oneof(fc.record({ parts: fc.array(fc.record({ text: fc.constant(MARKER), entityType: fc.string() }), { maxLength: 2 }) }), jsonValues),
        extra: jsonValues,
      },
      { requiredKeys: ['name', 'content'] },
    );
const eventLike = fc.record(
  {
    conversation: fc.oneof(conversationNames, jsonValues),
    type: eventTypes,
    newMessagePayload: fc.oneof(payloads(conversationNames), jsonValues),
    errorStatus: fc.oneof(fc.record({ code: fc.integer(), message: fc.string(), details: fc.array(fc.dictionary(fc.string(), jsonValues), { maxLength: 2 }) }), jsonValues),
    newRecognitionResultPayload: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), jsonValues), jsonValues),
    extra: jsonValues,
  },
  { requiredKeys: [] },
);

// ---------------------------------------------------------------------------------------------
// Mutations of valid events

type Path = Array<string | number>;
type Mutation = { op: 'drop' | 'replace' | 'insert'; at: number; key: string; value: unknown };
const mutations = fc.array(fc.record({ op: fc.constantFrom('drop', 'replace', 'insert'), at: fc.nat(), key: keys, value: jsonValues }), { minLength: 1, maxLength: 4 });

function nodePaths(value: unknown, path: Path = []): Path[] {
  const paths: Path[] = [path];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...nodePaths(item, [...path, index])));
  else if (isObject(value)) for (const key of Object.keys(value)) paths.push(...nodePaths(value[key], [...path, key]));
  return paths;
}

function nodeAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
}

/** Applies the mutations to a JSON copy of `root` (own '__proto__' keys stay keys). */
function mutate(root: Record<string, unknown>, list: Mutation[]): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(root)) as Record<string, unknown>;
  for (const { op, at, key, value } of list) {
    const paths = nodePaths(copy);
    if (op === 'insert') {
      const objects = paths.filter((path) => isObject(nodeAt(copy, path)));
      defineOwn(nodeAt(copy, objects[at % objects.length]!) as Record<string, unknown>, key, value);
      continue;
    }
    const inner = paths.filter((path) => path.length > 0);
    if (inner.length === 0) continue;
    const path = inner[at % inner.length]!;
    const parent = nodeAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (op === 'replace') {
      if (Array.isArray(parent)) parent[last as number] = value;
      else defineOwn(parent as Record<string, unknown>, String(last), value);
    } else if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete (parent as Record<string, unknown>)[String(last)];
  }
  return copy;
}

/** An accepted event must be stored exactly as sent (enum numbers named): compared with the model of docs/model.md. */
function checkStoredAsSent(result: DecodeResult, sent: Record<string, unknown>, attributes?: Record<string, string>): void {
  if (!result.ok) return;
  const expected = expectedStorage(result.event.conversation.name, sent, PUBSUB_ID, attributes);
  const meaning = (json: string | undefined) => (json === undefined ? undefined : sortedJson(JSON.parse(json)));
  const canonicalSent = typeof sent['conversation'] === 'string' ? parseConversationName(sent['conversation'])?.name : undefined;
  expect(result.event.conversation.name, 'stored under the conversation the event names').toBe(canonicalSent);
  const { event } = result;
  if (event.kind === 'message') {
    expect(expected.message, 'stored as a message').toBeDefined();
    expect(event.record.messageId).toBe(expected.message!.messageId);
    expect(meaning(event.record.payloadJson)).toBe(expected.message!.payloadJson);
    expect(meaning(event.record.eventDetailJson)).toBe(expected.message!.eventDetailJson);
  } else if (event.kind === 'lifecycle') {
    expect(expected.lifecycle, 'stored as a lifecycle event').toBeDefined();
    expect(event.record.type).toEqual(expected.lifecycle!.type);
    expect(meaning(event.record.detailJson)).toBe(expected.lifecycle!.detailJson);
  } else {
    expect(expected.recognition, 'stored as a recognition result').toBeDefined();
    expect(meaning(event.record.payloadJson)).toBe(expected.recognition!.payloadJson);
  }
}

const BASES: Array<[string, Record<string, unknown>]> = [
  ['a lifecycle event with an error status', lifecycleBase(CONVERSATION)],
  ['a message event', messageBase(CONVERSATION)],
  ['a message event in short form', messageBase('projects/fuzz-project/conversations/C1')],
  ['a recognition result', recognitionBase(CONVERSATION)],
  ['a bare CONVERSATION_STARTED', { conversation: CONVERSATION, type: 'CONVERSATION_STARTED' }],
];

// ---------------------------------------------------------------------------------------------

describe('decodeDelivery never throws and always answers a well-formed event or a reasoned rejection', () => {
  it('on arbitrary values as the body', () => {
    fc.assert(fc.property(fc.anything(), (body) => void decodeAndCheck(body)), { ...limits, numRuns: 500 });
  });

  it('on arbitrary JSON as the body', () => {
    fc.assert(fc.property(fc.jsonValue(), (body) => void decodeAndCheck(body)), { ...limits, numRuns: 300 });
  });

  it('on arbitrary JSON in data', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => void decodeAndCheck(push(base64(JSON.stringify(value))))), { ...limits, numRuns: 500 });
  });

  it('on arbitrary bytes in data', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 256 }), fc.uint8Array({ maxLength: 64 }).map((tail) => Uint8Array.from([0x0a, 0x20, ...tail])));
    fc.assert(fc.property(bytes, (data) => void decodeAndCheck(push(base64(data)))), { ...limits, numRuns: 400 });
  });

  it('on arbitrary text in data, as base64 and as it is', () => {
    const base64ish = fc.string({ unit: fc.constantFrom(...'ABCxyz019+/-_= \n'.split('')), maxLength: 40 });
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), base64ish);
    fc.assert(
      fc.property(text, fc.boolean(), (value, encode) => void decodeAndCheck(push(encode ? base64(value) : value))),
      { ...limits, numRuns: 400 },
    );
  });

  it('on event-shaped JSON with arbitrary names, types and payloads', () => {
    fc.assert(fc.property(eventLike, (event) => void decodeAndCheck(push(base64(JSON.stringify(event))))), { ...limits, numRuns: 600 });
  });

  it('on arbitrary envelopes around a valid event', () => {
    const data = base64(JSON.stringify(messageBase(CONVERSATION)));
    const envelope = { message: { data, messageId: PUBSUB_ID, message_id: PUBSUB_ID, publishTime: '2026-11-02T14:03:00Z', attributes: { a: 'b' } }, subscription: 's', deliveryAttempt: 1 };
    fc.assert(fc.property(mutations, (list) => void decodeAndCheck(mutate(envelope, list))), { ...limits, numRuns: 400 });
  });
});

describe('decodeDelivery stores a mutated valid event exactly as sent, or rejects it with a reason', () => {
  it.each(BASES)('after dropping, replacing and inserting keys in %s', (_what, base) => {
    const numRuns = 300;
    let compared = 0;
    fc.assert(
      fc.property(mutations, fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 2 }), { nil: undefined }), (list, attributes) => {
        const text = JSON.stringify(mutate(base, list));
        const sent = JSON.parse(text) as Record<string, unknown>;
        const result = decodeAndCheck(push(base64(text), attributes ? { attributes } : {}));
        // The model does not rename snake_case spellings; the decoder does (protoJson.ts).
        if ([...RENAMED_SNAKE_KEYS].some((key) => text.includes(`"${key}"`))) return;
        if (!isObject(sent) || !result.ok) return;
        checkStoredAsSent(result, sent, attributes);
        compared += 1;
      }),
      { ...limits, numRuns },
    );
    // Enough mutated events are accepted for the comparison to mean something.
    expect(compared).toBeGreaterThan(numRuns / 10);
  });
});

describe('what decodeDelivery hands to Firestore can be stored', () => {
  /** Firestore strings are UTF-8: a lone UTF-16 surrogate cannot be written and fails the write. */
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const surrogateText = fc.string({
    unit: fc.oneof(fc.constantFrom('a', 'Z', '-', '😀'), fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code))),
    minLength: 1,
    maxLength: 6,
  });

  it('writes only well-formed Unicode in the strings it does not serialize as JSON (types, roles, ids, facts, reasons)', () => {
    const deliveries = fc.oneof(
      surrogateText.map((type) => push(base64(JSON.stringify({ conversation: CONVERSATION, type })))),
      surrogateText.map((role) => push(base64(JSON.stringify({ ...messageBase(CONVERSATION), newMessagePayload: { name: `${CONVERSATION}/messages/M1`, participantRole: role } })))),
      surrogateText.map((id) => push(base64(JSON.stringify({ conversation: CONVERSATION, type: 1 })), { messageId: id })),
      surrogateText.map((subscription) => push('!', {}, { subscription })),
      fc.nat({ max: 3 }).map((n) => push('!', { messageId: `${'a'.repeat(255 - n)}😀` })),
    );
    fc.assert(
      fc.property(deliveries, (body) => {
        const result = decodeAndCheck(body);
        const strings: Array<[string, unknown]> = Object.entries(result.facts);
        if (result.ok && result.event.kind === 'lifecycle') strings.push(['type', result.event.record.type]);
        if (result.ok && result.event.kind === 'message') strings.push(['participantRole', result.event.record.participantRole]);
        if (!result.ok) strings.push(['reason', result.rejection.reason]);
        for (const [field, value] of strings) {
          if (typeof value === 'string' && LONE_SURROGATE.test(value)) throw new Error(`${field} holds a lone surrogate: ${JSON.stringify(value)}`);
        }
      }),
      { ...limits, numRuns: 300 },
    );
  });
});

describe('decodeDelivery on deep envelopes', () => {
  const deep = (levels: number) => {
    let value: unknown = [];
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };
  it.each([
    ['messageId', 'message_id'],
    ['publishTime', 'publish_time'],
    ['orderingKey', 'ordering_key'],
  ])('rejects %s and %s both nested 20 000 levels deep without throwing', (camel, snake) => {
    const body = push(base64(JSON.stringify({ conversation: CONVERSATION, type: 1 })));
    const message = (body as { message: Record<string, unknown> }).message;
    message[camel] = deep(20_000);
    message[snake] = deep(20_000);
    // SHOULD be a rejection (not_a_push_envelope); comparing the two spellings (canonicalJson in protoJson.ts) recurses once per level.
    expect(decodeAndCheck(body)).toMatchObject({ ok: false, rejection: { code: 'not_a_push_envelope' } });
  });

  it('rejects an event nested 100 000 levels deep as unsafe JSON without throwing', () => {
    const text = `{"conversation":"${CONVERSATION}","type":1,"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(decodeAndCheck(push(base64(text)))).toMatchObject({ ok: false, rejection: { code: 'unsafe_json' } });
  });
});
