import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LIFECYCLE_DETAIL_BYTES } from '../../../shared/domain/conversationState';
import { MAX_STORED_JSON_BYTES, decodeDelivery } from '../../../shared/domain/decodeDelivery';
import type { RejectionCode } from '../../../shared/domain/outcomes';
import type { IngestEvent } from '../../../shared/domain/records';
import { PROJECT, base64, lifecycleEvent, messageEvent } from '../../support/builders';

const CONV = `projects/${PROJECT}/locations/global/conversations/C1`;
const CONV_SHORT = `projects/${PROJECT}/conversations/C1`;
const SUBSCRIPTION = `projects/${PROJECT}/subscriptions/test-push`;
const PUBLISH_TIME = '2026-11-02T14:03:00.120Z';
const PUBLISH_SORTABLE = '2026-11-02T14:03:00.120000000Z';
const CREATE_SORTABLE = '2026-11-02T14:03:02.455120000Z';
const PUBSUB_ID = '4242';
const SECRET = 'SECRET-PII-TEXT';
const conversation = { project: PROJECT, location: 'global', conversationId: 'C1', name: CONV };

const json = (value: unknown) => base64(JSON.stringify(value));

/** A push body as the HTTP layer hands it over: parsed JSON, so `undefined` overrides remove a field. */
function push(data: string, message: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}): unknown {
  return JSON.parse(
    JSON.stringify({ message: { data, messageId: PUBSUB_ID, publishTime: PUBLISH_TIME, ...message }, subscription: SUBSCRIPTION, ...envelope }),
  );
}
const deliver = (event: unknown, message: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}) => push(json(event), message, envelope);

/** The builders' message M1 as it is stored (participant role normalized, spelled as proto3 JSON). */
const storedPayload = (fields: Record<string, unknown> = {}) => ({
  name: `${CONV_SHORT}/messages/M1`,
  content: 'text of M1',
  languageCode: 'en-US',
  participant: `${CONV_SHORT}/participants/P1`,
  participantRole: 'END_USER',
  createTime: '2026-11-02T14:03:02.455120Z',
  ...fields,
});
const messageRecord = (fields: Record<string, unknown> = {}) => ({
  conversation,
  messageId: 'M1',
  createTime: CREATE_SORTABLE,
  sortKey: `${CREATE_SORTABLE}#M1`,
  participantRole: 'END_USER',
  participantId: 'P1',
  payloadJson: storedPayload(),
  ...fields,
});
const lifecycleRecord = (type: string | number, fields: Record<string, unknown> = {}) => ({
  type,
  publishTime: PUBLISH_SORTABLE,
  pubsubMessageId: PUBSUB_ID,
  ...fields,
});

/** The event with its JSON fields parsed, so that expectations read as objects. */
function readable(event: IngestEvent): unknown {
  const record: Record<string, unknown> = { ...event.record };
  for (const key of ['payloadJson', 'detailJson', 'eventDetailJson']) {
    if (typeof record[key] === 'string') record[key] = JSON.parse(record[key] as string);
  }
  return { ...event, record };
}

/** Binary protobuf of a ConversationEvent: field 1 (conversation), a varint length, the name, then field 2 (type). */
function protoEvent(name: string, trailer: Uint8Array = new Uint8Array([0x10, 0x01])): string {
  const bytes = Buffer.from(name);
  const length = bytes.length < 128 ? [bytes.length] : [(bytes.length & 0x7f) | 0x80, bytes.length >> 7];
  return Buffer.concat([Buffer.from([0x0a, ...length]), bytes, trailer]).toString('base64');
}

const deep = (levels: number): unknown => (levels === 0 ? {} : { a: deep(levels - 1) });

interface ValidCase {
  name: string;
  body: unknown;
  expected: unknown;
}

const lifecycleTypes = [
  ['TYPE_UNSPECIFIED', 0],
  ['CONVERSATION_STARTED', 1],
  ['CONVERSATION_FINISHED', 2],
  ['HUMAN_INTERVENTION_NEEDED', 3],
  ['UNRECOVERABLE_ERROR', 4],
] as const;

const base64urlEvent = messageEvent(CONV_SHORT, 'M1', { content: '>>>???~~~' });

const valid: ValidCase[] = [
  ...lifecycleTypes.flatMap(([type, number]) => [
    {
      name: `stores ${type} as a lifecycle event`,
      body: deliver(lifecycleEvent(CONV_SHORT, type)),
      expected: { kind: 'lifecycle', conversation, record: lifecycleRecord(type) },
    },
    {
      name: `stores event type number ${number} under its name ${type}`,
      body: deliver(lifecycleEvent(CONV_SHORT, number)),
      expected: { kind: 'lifecycle', conversation, record: lifecycleRecord(type) },
    },
  ]),
  {
    name: 'keeps an UNRECOVERABLE_ERROR status in detailJson',
    body: deliver(lifecycleEvent(CONV_SHORT, 'UNRECOVERABLE_ERROR', { errorStatus: { code: 13, message: 'boom' } })),
    expected: { kind: 'lifecycle', conversation, record: lifecycleRecord('UNRECOVERABLE_ERROR', { detailJson: { errorStatus: { code: 13, message: 'boom' } } }) },
  },
  {
    name: 'accepts a snake_case error_status and keeps it as errorStatus',
    body: deliver(lifecycleEvent(CONV_SHORT, 4, { error_status: { code: 14 } })),
    expected: { kind: 'lifecycle', conversation, record: lifecycleRecord('UNRECOVERABLE_ERROR', { detailJson: { errorStatus: { code: 14 } } }) },
  },
  {
    name: 'keeps unknown event fields of a lifecycle event in detailJson',
    body: deliver(lifecycleEvent(CONV_SHORT, 'CONVERSATION_STARTED', { futureField: { x: [1, 2] }, another_new_field: 'v' })),
    expected: {
      kind: 'lifecycle',
      conversation,
      record: lifecycleRecord('CONVERSATION_STARTED', { detailJson: { futureField: { x: [1, 2] }, another_new_field: 'v' } }),
    },
  },
  {
    name: 'keeps Pub/Sub attributes of a lifecycle event in detailJson',
    body: deliver(lifecycleEvent(CONV_SHORT, 'CONVERSATION_FINISHED'), { attributes: { origin: 'dialogflow', 'x-trace': '1' } }),
    expected: {
      kind: 'lifecycle',
      conversation,
      record: lifecycleRecord('CONVERSATION_FINISHED', { detailJson: { pubsubAttributes: { origin: 'dialogflow', 'x-trace': '1' } } }),
    },
  },
  {
    name: 'adds no detailJson for empty attributes',
    body: deliver(lifecycleEvent(CONV_SHORT, 'CONVERSATION_FINISHED'), { attributes: {} }),
    expected: { kind: 'lifecycle', conversation, record: lifecycleRecord('CONVERSATION_FINISHED') },
  },
  {
    name: 'keeps an unknown event type 42 as a lifecycle event of type 42',
    body: deliver(lifecycleEvent(CONV_SHORT, 42)),
    expected: { kind: 'lifecycle', conversation, record: lifecycleRecord(42) },
  },
  {
    name: 'keeps an unknown event type name as a lifecycle event of that name',
    body: deliver(lifecycleEvent(CONV_SHORT, 'SOMETHING_NEW')),
    expected: { kind: 'lifecycle', conversation, record: lifecycleRecord('SOMETHING_NEW') },
  },
  {
    name: 'keeps a message payload sent with a lifecycle event in its detailJson',
    body: deliver(lifecycleEvent(CONV_SHORT, 'CONVERSATION_STARTED', { newMessagePayload: { name: `${CONV_SHORT}/messages/M1` } })),
    expected: {
      kind: 'lifecycle',
      conversation,
      record: lifecycleRecord('CONVERSATION_STARTED', { detailJson: { newMessagePayload: { name: `${CONV_SHORT}/messages/M1` } } }),
    },
  },
  {
    name: 'keeps the location of a conversation outside global',
    body: deliver(lifecycleEvent(`projects/${PROJECT}/locations/europe-west1/conversations/C1`, 'CONVERSATION_STARTED')),
    expected: {
      kind: 'lifecycle',
      conversation: { project: PROJECT, location: 'europe-west1', conversationId: 'C1', name: `projects/${PROJECT}/locations/europe-west1/conversations/C1` },
      record: lifecycleRecord('CONVERSATION_STARTED'),
    },
  },
  {
    name: 'accepts the proto spellings message_id and publish_time alone',
    body: deliver(lifecycleEvent(CONV_SHORT, 'CONVERSATION_STARTED'), { messageId: undefined, publishTime: undefined, message_id: '777', publish_time: '2026-11-02T16:03:00+02:00' }),
    expected: { kind: 'lifecycle', conversation, record: lifecycleRecord('CONVERSATION_STARTED', { pubsubMessageId: '777', publishTime: '2026-11-02T14:03:00.000000000Z' }) },
  },
  {
    name: 'accepts both spellings of the Pub/Sub fields with equal values',
    body: deliver(lifecycleEvent(CONV_SHORT, 'CONVERSATION_STARTED'), { message_id: PUBSUB_ID, publish_time: PUBLISH_TIME }),
    expected: { kind: 'lifecycle', conversation, record: lifecycleRecord('CONVERSATION_STARTED') },
  },
  {
    name: 'ignores orderingKey and deliveryAttempt in what is stored',
    body: deliver(lifecycleEvent(CONV_SHORT, 'CONVERSATION_STARTED'), { orderingKey: 'k' }, { deliveryAttempt: 5 }),
    expected: { kind: 'lifecycle', conversation, record: lifecycleRecord('CONVERSATION_STARTED') },
  },
  {
    name: 'accepts base64url data',
    body: push(Buffer.from(JSON.stringify(base64urlEvent)).toString('base64url')),
    expected: { kind: 'message', conversation, record: messageRecord({ payloadJson: storedPayload({ content: '>>>???~~~' }) }) },
  },
  {
    name: 'accepts standard base64 data without padding',
    body: push(json(base64urlEvent).replace(/=+$/, '')),
    expected: { kind: 'message', conversation, record: messageRecord({ payloadJson: storedPayload({ content: '>>>???~~~' }) }) },
  },
  {
    name: 'stores a NEW_MESSAGE as a message record',
    body: deliver(messageEvent(CONV_SHORT, 'M1')),
    expected: { kind: 'message', conversation, record: messageRecord() },
  },
  {
    name: 'accepts event type 5 and participant role 3 as numbers',
    body: deliver({ ...messageEvent(CONV_SHORT, 'M1', { participantRole: 3 }), type: 5 }),
    expected: { kind: 'message', conversation, record: messageRecord() },
  },
  {
    name: 'names no participant when the message names one of another conversation',
    body: deliver(messageEvent(CONV_SHORT, 'M1', { participant: 'projects/demo-project/conversations/C2/participants/P1' })),
    expected: {
      kind: 'message',
      conversation,
      record: (({ participantId: _, ...rest }) => rest)(messageRecord({ payloadJson: storedPayload({ participant: 'projects/demo-project/conversations/C2/participants/P1' }) })),
    },
  },
  {
    name: 'keeps an unknown participant role number as a number',
    body: deliver(messageEvent(CONV_SHORT, 'M1', { participantRole: 9 })),
    expected: { kind: 'message', conversation, record: messageRecord({ participantRole: 9, payloadJson: storedPayload({ participantRole: 9 }) }) },
  },
  {
    name: 'accepts a snake_case new_message_payload key in the event',
    body: deliver({ conversation: CONV_SHORT, type: 'NEW_MESSAGE', new_message_payload: messageEvent(CONV_SHORT, 'M1').newMessagePayload }),
    expected: { kind: 'message', conversation, record: messageRecord() },
  },
  {
    name: 'accepts snake_case keys in the message and stores them camelCase',
    body: deliver({
      conversation: CONV_SHORT,
      type: 'NEW_MESSAGE',
      newMessagePayload: {
        name: `${CONV_SHORT}/messages/M1`,
        content: 'text of M1',
        language_code: 'en-US',
        participant: `${CONV_SHORT}/participants/P1`,
        participant_role: 'END_USER',
        create_time: '2026-11-02T14:03:02.455120Z',
      },
    }),
    expected: { kind: 'message', conversation, record: messageRecord() },
  },
  {
    name: 'keeps unknown message fields in payloadJson',
    body: deliver(messageEvent(CONV_SHORT, 'M1', { responseMessages: [{ text: { text: ['hi'] } }], future_field: 1 })),
    expected: {
      kind: 'message',
      conversation,
      record: messageRecord({ payloadJson: storedPayload({ responseMessages: [{ text: { text: ['hi'] } }], future_field: 1 }) }),
    },
  },
  {
    name: 'keeps unknown event fields and attributes of a NEW_MESSAGE in eventDetailJson',
    body: deliver({ ...messageEvent(CONV_SHORT, 'M1'), futureField: 'f' }, { attributes: { a: 'b' } }),
    expected: { kind: 'message', conversation, record: messageRecord({ eventDetailJson: { futureField: 'f', pubsubAttributes: { a: 'b' } } }) },
  },
  {
    name: 'keeps a recognition result sent with a NEW_MESSAGE in eventDetailJson',
    body: deliver({ ...messageEvent(CONV_SHORT, 'M1'), newRecognitionResultPayload: { transcript: 't' } }),
    expected: { kind: 'message', conversation, record: messageRecord({ eventDetailJson: { newRecognitionResultPayload: { transcript: 't' } } }) },
  },
  {
    name: 'falls back to the publish time for a NEW_MESSAGE without createTime',
    body: deliver(messageEvent(CONV_SHORT, 'M1', { createTime: undefined })),
    expected: {
      kind: 'message',
      conversation,
      record: messageRecord({ createTime: PUBLISH_SORTABLE, sortKey: `${PUBLISH_SORTABLE}#M1`, payloadJson: storedPayload({ createTime: undefined }) }),
    },
  },
  {
    name: 'normalizes a createTime with an offset to sortable UTC',
    body: deliver(messageEvent(CONV_SHORT, 'M1', { createTime: '2026-11-02T08:33:02.45512-05:30' })),
    expected: {
      kind: 'message',
      conversation,
      record: messageRecord({ createTime: CREATE_SORTABLE, sortKey: `${CREATE_SORTABLE}#M1`, payloadJson: storedPayload({ createTime: '2026-11-02T08:33:02.45512-05:30' }) }),
    },
  },
  {
    name: 'accepts a message named with /locations/global/ in an event named without it',
    body: deliver(messageEvent(CONV_SHORT, 'M1', { name: `${CONV}/messages/M1` })),
    expected: { kind: 'message', conversation, record: messageRecord({ payloadJson: storedPayload({ name: `${CONV}/messages/M1` }) }) },
  },
  {
    name: 'stores a NEW_RECOGNITION_RESULT verbatim',
    body: deliver({ conversation: CONV_SHORT, type: 'NEW_RECOGNITION_RESULT', newRecognitionResultPayload: { transcript: 'hel', isFinal: false } }),
    expected: {
      kind: 'recognition_result',
      conversation,
      record: { conversation, pubsubMessageId: PUBSUB_ID, publishTime: PUBLISH_SORTABLE, payloadJson: { newRecognitionResultPayload: { transcript: 'hel', isFinal: false } } },
    },
  },
  {
    name: 'stores event type 7 as a recognition result, with its attributes',
    body: deliver({ conversation: CONV_SHORT, type: 7, new_recognition_result_payload: { transcript: 'x' } }, { attributes: { a: 'b' } }),
    expected: {
      kind: 'recognition_result',
      conversation,
      record: { conversation, pubsubMessageId: PUBSUB_ID, publishTime: PUBLISH_SORTABLE, payloadJson: { newRecognitionResultPayload: { transcript: 'x' }, pubsubAttributes: { a: 'b' } } },
    },
  },
];

describe('decodeDelivery accepts', () => {
  it.each(valid)('$name', ({ body, expected }) => {
    const result = decodeDelivery(body);
    expect(result.ok ? readable(result.event) : result.rejection).toEqual(expected);
  });

  it('stores payloadJson as the message was received, field order included', () => {
    const result = decodeDelivery(deliver({ conversation: CONV_SHORT, type: 'NEW_MESSAGE', newMessagePayload: { name: `${CONV_SHORT}/messages/M1`, content: 'hi', b: { z: 1, a: 2 } } }));
    expect(result.ok && result.event.kind === 'message' && result.event.record.payloadJson).toBe(
      `{"name":"${CONV_SHORT}/messages/M1","content":"hi","b":{"z":1,"a":2}}`,
    );
  });

  it('reports what it learned of a stored message in facts', () => {
    const result = decodeDelivery(deliver(messageEvent(CONV_SHORT, 'M1'), {}, { deliveryAttempt: 3 }));
    expect(result.facts).toEqual({
      pubsubMessageId: PUBSUB_ID,
      subscription: SUBSCRIPTION,
      deliveryAttempt: 3,
      publishTime: PUBLISH_SORTABLE,
      dataBytes: Buffer.byteLength(JSON.stringify(messageEvent(CONV_SHORT, 'M1'))),
      eventType: 'NEW_MESSAGE',
      eventKind: 'message',
      conversation: CONV,
      messageId: 'M1',
    });
  });

  it('gives equal records for equal events whatever the order of their keys', () => {
    const event = messageEvent(CONV_SHORT, 'M1');
    const reversed = Object.fromEntries(Object.entries({ ...event, newMessagePayload: Object.fromEntries(Object.entries(event.newMessagePayload).reverse()) }).reverse());
    expect(decodeDelivery(deliver(reversed))).toEqual(decodeDelivery(deliver(event)));
  });
});

interface InvalidCase {
  name: string;
  body: unknown;
  code: RejectionCode;
  reason?: string | RegExp;
}

const event = (fields: Record<string, unknown> = {}) => lifecycleEvent(CONV_SHORT, 'CONVERSATION_STARTED', fields);
const message = (fields: Record<string, unknown> = {}) => messageEvent(CONV_SHORT, 'M1', { content: SECRET, ...fields });
const longProject = `p${'r'.repeat(127)}`;

const invalid: InvalidCase[] = [
  // Not a push envelope
  { name: 'null', body: null, code: 'not_a_push_envelope' },
  { name: 'a string body', body: 'hello', code: 'not_a_push_envelope' },
  { name: 'an empty JSON object', body: {}, code: 'not_a_push_envelope' },
  { name: 'a JSON array', body: [], code: 'not_a_push_envelope' },
  { name: 'a message that is a string', body: { message: 'x', subscription: SUBSCRIPTION }, code: 'not_a_push_envelope' },
  { name: 'a message without data', body: deliver(event(), { data: undefined }), code: 'not_a_push_envelope', reason: /Field 'message\.data' is required/ },
  { name: 'data that is a number', body: deliver(event(), { data: 12 }), code: 'not_a_push_envelope' },
  { name: 'no messageId', body: deliver(event(), { messageId: undefined }), code: 'not_a_push_envelope', reason: /message\.messageId/ },
  { name: 'a messageId with a path trick', body: deliver(event(), { messageId: '../../quarantine/x' }), code: 'not_a_push_envelope' },
  { name: 'a reserved __x__ messageId', body: deliver(event(), { messageId: '__x__' }), code: 'not_a_push_envelope' },
  { name: 'messageId and message_id that differ', body: deliver(event(), { message_id: 'other' }), code: 'not_a_push_envelope', reason: /given twice with different values/ },
  { name: 'publishTime and publish_time that differ', body: deliver(event(), { publish_time: '2026-11-02T14:03:00.121Z' }), code: 'not_a_push_envelope' },
  { name: 'no publishTime', body: deliver(event(), { publishTime: undefined }), code: 'not_a_push_envelope' },
  {
    name: 'a publishTime that is not RFC 3339',
    body: deliver(event(), { publishTime: 'yesterday' }),
    code: 'not_a_push_envelope',
    reason: "Field 'message.publishTime' is not an RFC 3339 timestamp",
  },
  { name: 'a publishTime on 29 February of a common year', body: deliver(event(), { publishTime: '2023-02-29T00:00:00Z' }), code: 'not_a_push_envelope' },
  { name: 'a publishTime out of range', body: deliver(event(), { publishTime: '10000-01-01T00:00:00Z' }), code: 'not_a_push_envelope' },
  { name: 'no subscription', body: deliver(event(), {}, { subscription: undefined }), code: 'not_a_push_envelope' },
  { name: 'attributes that are not strings', body: deliver(event(), { attributes: { a: 1 } }), code: 'not_a_push_envelope' },
  { name: 'a negative deliveryAttempt', body: deliver(event(), {}, { deliveryAttempt: -1 }), code: 'not_a_push_envelope' },
  // Data that is not a JSON event
  { name: 'data that is not base64', body: push('!!not base64!!'), code: 'data_not_base64', reason: "Field 'message.data' is not base64" },
  { name: 'base64 of impossible length', body: push('a'), code: 'data_not_base64' },
  { name: 'base64 mixing both alphabets', body: push('ab+_'), code: 'data_not_base64' },
  { name: 'base64 with embedded whitespace', body: push('eyJh Ijox fQ=='), code: 'data_not_base64' },
  { name: 'base64 with a line break', body: push('eyJh\nIjox'), code: 'data_not_base64' },
  { name: 'empty data', body: push(''), code: 'data_not_json', reason: "Field 'message.data' is not JSON (0 bytes)" },
  { name: 'data that is invalid UTF-8', body: push(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64')), code: 'data_not_utf8' },
  { name: 'data that is a lone UTF-16 surrogate in UTF-8', body: push(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]).toString('base64')), code: 'data_not_utf8' },
  { name: 'truncated JSON', body: push(base64(`{"conversation": "${CONV}", "ty`)), code: 'data_not_json' },
  { name: 'plain text data', body: push(base64('hello there')), code: 'data_not_json' },
  // The domain reads JSON only; PROTO deliveries are read by the wire adapter it is given (test/unit/wire/).
  {
    name: 'binary protobuf (message_format PROTO) with no protobuf reader',
    body: push(protoEvent(CONV)),
    code: 'data_not_json',
    reason: /^Field 'message.data' is not JSON \(\d+ bytes\)$/,
  },
  {
    name: 'binary protobuf with a two-byte length varint, with no protobuf reader',
    body: push(protoEvent(`projects/${longProject}/conversations/C1`)),
    code: 'data_not_utf8',
    reason: /^Field 'message.data' does not decode to UTF-8 text \(\d+ bytes\)$/,
  },
  { name: 'a top-level __proto__ key', body: push(base64(`{"conversation":"${CONV}","type":1,"__proto__":{"polluted":true}}`)), code: 'unsafe_json', reason: /'__proto__' key \(at '__proto__'\)/ },
  { name: 'a __proto__ key inside an array', body: push(base64(`{"conversation":"${CONV}","type":1,"x":[{"__proto__":1}]}`)), code: 'unsafe_json', reason: /at '<unknown key>\[0\]\.__proto__'/ },
  { name: 'a __proto__ key inside the message', body: push(base64(`{"conversation":"${CONV}","type":5,"newMessagePayload":{"name":"${CONV}/messages/M1","__proto__":{}}}`)), code: 'unsafe_json' },
  { name: 'JSON nested 100 levels deep', body: deliver(event({ deep: deep(100) })), code: 'unsafe_json', reason: /nested deeper than 64 levels/ },
  // Not a ConversationEvent
  { name: 'a JSON array event', body: deliver([]), code: 'not_a_conversation_event' },
  { name: 'a JSON null event', body: deliver(null), code: 'not_a_conversation_event' },
  { name: 'a JSON string event', body: deliver('CONVERSATION_STARTED'), code: 'not_a_conversation_event' },
  { name: 'an event without conversation', body: deliver({ type: 1 }), code: 'not_a_conversation_event', reason: /Field 'conversation' is required/ },
  { name: 'an event without type', body: deliver({ conversation: CONV }), code: 'not_a_conversation_event', reason: /Field 'type'/ },
  { name: 'a boolean type', body: deliver(event({ type: true })), code: 'not_a_conversation_event' },
  { name: 'a fractional type', body: deliver(event({ type: 1.5 })), code: 'not_a_conversation_event' },
  { name: 'an empty type name', body: deliver(event({ type: '' })), code: 'not_a_conversation_event' },
  { name: 'a conversation that is a number', body: deliver(event({ conversation: 7 })), code: 'not_a_conversation_event' },
  { name: 'an errorStatus that is a string', body: deliver(event({ errorStatus: 'bad' })), code: 'not_a_conversation_event' },
  { name: 'a message content that is a number', body: deliver(message({ content: 5 })), code: 'not_a_conversation_event' },
  { name: 'a message without a name', body: deliver(message({ name: undefined })), code: 'not_a_conversation_event' },
  {
    name: 'one payload spelled both ways with different values',
    body: deliver({ ...message(), new_message_payload: { name: `${CONV_SHORT}/messages/M2` } }),
    code: 'not_a_conversation_event',
  },
  // Conversation and message names
  { name: 'a conversation name with ..', body: deliver(lifecycleEvent(`projects/${PROJECT}/conversations/..`, 1)), code: 'invalid_conversation_name' },
  { name: 'a conversation name with %2F', body: deliver(lifecycleEvent(`projects/${PROJECT}/conversations/a%2Fb`, 1)), code: 'invalid_conversation_name' },
  { name: 'a reserved __x__ conversation id', body: deliver(lifecycleEvent(`projects/${PROJECT}/conversations/__x__`, 1)), code: 'invalid_conversation_name' },
  { name: 'a conversation name with a trailing slash', body: deliver(lifecycleEvent(`${CONV}/`, 1)), code: 'invalid_conversation_name' },
  { name: 'a conversation name without projects/', body: deliver(lifecycleEvent('conversations/C1', 1)), code: 'invalid_conversation_name' },
  { name: 'a message name as the conversation', body: deliver(lifecycleEvent(`${CONV}/messages/M1`, 1)), code: 'invalid_conversation_name' },
  { name: 'a NEW_MESSAGE without payload', body: deliver({ conversation: CONV, type: 'NEW_MESSAGE' }), code: 'invalid_message', reason: "A NEW_MESSAGE event must carry 'newMessagePayload'" },
  { name: 'a message name that is a participant name', body: deliver(message({ name: `${CONV_SHORT}/participants/P1` })), code: 'invalid_message' },
  { name: 'a message name with a path trick', body: deliver(message({ name: `${CONV_SHORT}/messages/..` })), code: 'invalid_message' },
  { name: 'a message name that is not a name', body: deliver(message({ name: 'M1' })), code: 'invalid_message' },
  { name: 'a message of another conversation', body: deliver(message({ name: `projects/${PROJECT}/conversations/C2/messages/M1` })), code: 'message_of_other_conversation' },
  {
    name: 'a message of the same conversation id in another location than the event names',
    body: deliver(messageEvent(CONV, 'M1', { content: SECRET, name: `projects/${PROJECT}/locations/eu/conversations/C1/messages/M1` })),
    code: 'message_of_other_conversation',
  },
  { name: 'a message of the same conversation id in another project', body: deliver(message({ name: `projects/other-project/conversations/C1/messages/M1` })), code: 'message_of_other_conversation' },
  // Timestamps and sizes
  {
    name: 'a createTime that is not RFC 3339',
    body: deliver(message({ createTime: 'yesterday' })),
    code: 'invalid_timestamp',
    reason: "Field 'newMessagePayload.createTime' is not an RFC 3339 timestamp",
  },
  { name: 'a createTime on 29 February of a common year', body: deliver(message({ createTime: '2023-02-29T10:00:00Z' })), code: 'invalid_timestamp' },
  { name: 'a createTime in month 13', body: deliver(message({ createTime: '2026-13-01T10:00:00Z' })), code: 'invalid_timestamp' },
  {
    name: 'a message over the stored size limit',
    body: deliver(message({ content: 'x'.repeat(MAX_STORED_JSON_BYTES) })),
    code: 'too_large',
    reason: /^The message is \d+ bytes, over the 1000000 bytes that can be stored$/,
  },
  {
    name: 'a recognition result over the stored size limit',
    body: deliver({ conversation: CONV, type: 'NEW_RECOGNITION_RESULT', newRecognitionResultPayload: { transcript: 'x'.repeat(MAX_STORED_JSON_BYTES) } }),
    code: 'too_large',
    reason: /^The recognition result is \d+ bytes/,
  },
  {
    name: 'lifecycle detail over the kept size limit',
    body: deliver(event({ futureField: 'x'.repeat(MAX_LIFECYCLE_DETAIL_BYTES) })),
    code: 'too_large',
    reason: /^The CONVERSATION_STARTED event's detail is \d+ bytes, over the 8192 bytes/,
  },
  {
    name: 'NEW_MESSAGE event detail over the kept size limit',
    body: deliver({ ...message(), futureField: 'x'.repeat(MAX_LIFECYCLE_DETAIL_BYTES) }),
    code: 'too_large',
    reason: /^The NEW_MESSAGE event's detail is \d+ bytes/,
  },
];

describe('decodeDelivery rejects', () => {
  it.each(invalid)('$name as $code', ({ body, code, reason }) => {
    const result = decodeDelivery(body);
    expect(result.ok ? 'accepted' : result.rejection.code).toBe(code);
    if (!result.ok && reason !== undefined) {
      if (typeof reason === 'string') expect(result.rejection.reason).toBe(reason);
      else expect(result.rejection.reason).toMatch(reason);
    }
  });

  it('keeps the Pub/Sub message id, subscription and attempt of a delivery it cannot read', () => {
    const result = decodeDelivery({ message: { message_id: '99', data: 12 }, subscription: SUBSCRIPTION, deliveryAttempt: 4 });
    expect(result.facts).toEqual({ pubsubMessageId: '99', subscription: SUBSCRIPTION, deliveryAttempt: 4 });
  });

  const padding = MAX_LIFECYCLE_DETAIL_BYTES - JSON.stringify({ f: '' }).length;
  const detailLimit = [
    { name: 'accepts a lifecycle detail of exactly the kept size limit', detail: 'x'.repeat(padding), expected: 'accepted' },
    { name: 'rejects a lifecycle detail one byte over the kept size limit', detail: 'x'.repeat(padding + 1), expected: 'too_large' },
    { name: 'counts the detail in UTF-8 bytes, not characters', detail: `${'x'.repeat(padding - 1)}é`, expected: 'too_large' },
  ];
  it.each(detailLimit)('$name', ({ detail, expected }) => {
    const result = decodeDelivery(deliver(event({ f: detail })));
    expect(result.ok ? 'accepted' : result.rejection.code).toBe(expected);
  });

  it('does not mistake pretty-printed JSON starting with a newline (0x0A) for PROTO', () => {
    const result = decodeDelivery(push(base64(`\n${JSON.stringify(event(), null, 2)}`)));
    expect(result.ok ? 'accepted' : result.rejection.code).toBe('accepted');
  });

  it('answers any JSON body with a result, never an exception', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        expect(decodeDelivery(body).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('answers any bytes in message.data with a result, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof decodeDelivery(push(Buffer.from(bytes).toString('base64'))).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

/** Invalid deliveries whose conversation text is SECRET: no reason may quote it. */
const carryingText: InvalidCase[] = [
  { name: 'an invalid messageId', body: deliver(message(), { messageId: '../x' }), code: 'not_a_push_envelope' },
  { name: 'base64 with a stray character', body: push(`${json(message())}!`), code: 'data_not_base64' },
  { name: 'invalid UTF-8 after the text', body: push(Buffer.concat([Buffer.from(JSON.stringify(message())), Buffer.from([0xff])]).toString('base64')), code: 'data_not_utf8' },
  { name: 'truncated JSON', body: push(base64(JSON.stringify(message()).slice(0, -3))), code: 'data_not_json' },
  { name: 'PROTO bytes carrying the text', body: push(protoEvent(CONV, Buffer.from(`\x10\x05\x1a\x40${SECRET}`))), code: 'data_not_json' },
  { name: 'a __proto__ key next to the text', body: push(base64(`{"conversation":"${CONV}","type":5,"newMessagePayload":{"name":"${CONV}/messages/M1","content":"${SECRET}","__proto__":{}}}`)), code: 'unsafe_json' },
  { name: 'deep nesting next to the text', body: deliver(message({ extra: deep(70) })), code: 'unsafe_json' },
  { name: 'content that is an object holding the text', body: deliver(message({ content: { text: SECRET } })), code: 'not_a_conversation_event' },
  { name: 'content that is an array holding the text', body: deliver(message({ content: [SECRET] })), code: 'not_a_conversation_event' },
  { name: 'a fractional participant role next to the text', body: deliver(message({ participantRole: 1.5 })), code: 'not_a_conversation_event' },
  { name: 'a message without name next to the text', body: deliver(message({ name: undefined })), code: 'not_a_conversation_event' },
  { name: 'a createTime too long next to the text', body: deliver(message({ createTime: '9'.repeat(65) })), code: 'not_a_conversation_event' },
  {
    name: 'the payload spelled both ways with different texts',
    body: deliver({ ...message(), new_message_payload: { ...message().newMessagePayload, content: `${SECRET}-2` } }),
    code: 'not_a_conversation_event',
  },
  {
    name: 'a language code spelled both ways, one holding the text',
    body: deliver(message({ language_code: SECRET, languageCode: 'en' })),
    code: 'not_a_conversation_event',
  },
  { name: 'an invalid conversation name', body: deliver({ ...message(), conversation: 'conversations/C1' }), code: 'invalid_conversation_name' },
  { name: 'an invalid message name', body: deliver(message({ name: 'M1' })), code: 'invalid_message' },
  { name: 'a message of another conversation', body: deliver(message({ name: `projects/${PROJECT}/conversations/C2/messages/M1` })), code: 'message_of_other_conversation' },
  { name: 'an invalid createTime', body: deliver(message({ createTime: 'soon' })), code: 'invalid_timestamp' },
  { name: 'text over the size limit', body: deliver(message({ content: SECRET.repeat(70_000) })), code: 'too_large' },
  { name: 'event detail over the size limit', body: deliver({ ...message(), futureField: SECRET.repeat(600) }), code: 'too_large' },
];

function carriesSecret(body: unknown): boolean {
  const data = (body as { message?: { data?: unknown } }).message?.data;
  return JSON.stringify(body).includes(SECRET) || (typeof data === 'string' && Buffer.from(data, 'base64').toString('latin1').includes(SECRET));
}

describe('decodeDelivery never quotes conversation text', () => {
  it.each(carryingText)('in the reason or facts for $name', ({ body, code }) => {
    expect(carriesSecret(body)).toBe(true);
    const result = decodeDelivery(body);
    expect(result.ok ? 'accepted' : result.rejection.code).toBe(code);
    if (!result.ok) expect(result.rejection.reason).not.toContain(SECRET);
    expect(JSON.stringify(result.facts)).not.toContain(SECRET);
  });
});

describe('decodeDelivery rejection sentences', () => {
  const reasonFor = (event: unknown) => {
    const result = decodeDelivery(push(base64(JSON.stringify(event))));
    if (result.ok) throw new Error('expected a rejection');
    return result.rejection.reason;
  };

  it.each([
    { name: 'a wrong type names the expected and the received type', event: messageEvent(CONV, 'M1', { content: 5 }), sentence: "Field 'newMessagePayload.content' must be a string, got number" },
    { name: 'a missing type says it is required', event: { conversation: CONV }, sentence: "Field 'type' is required" },
    { name: 'a type of the wrong kind says so', event: { conversation: CONV, type: true }, sentence: "Field 'type' has a value of the wrong type (boolean)" },
    { name: 'a missing conversation says it is required', event: { type: 1 }, sentence: "Field 'conversation' is required" },
  ])('$name', ({ event, sentence }) => {
    expect(reasonFor(event)).toContain(sentence);
  });
});

describe('base64 of message.data', () => {
  // One pass checks and decodes; it must accept exactly what these expressions describe (one alphabet, padding optional).
  const STANDARD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
  const URL_SAFE = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
  const text = fc.string({ unit: fc.constantFrom(...'AQgw09+/-_=.é'.split('')), maxLength: 14 });

  it('is refused as not base64 exactly when it is neither alphabet', () => {
    fc.assert(
      fc.property(text, (data) => {
        const result = decodeDelivery(push(data));
        const refused = !result.ok && result.rejection.code === 'data_not_base64';
        expect(refused).toBe(!STANDARD.test(data) && !URL_SAFE.test(data));
      }),
      { numRuns: 3_000 },
    );
  });

  it('decodes the event in either alphabet, padded or not', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom('base64', 'base64url'), fc.boolean(), (content, alphabet, padded) => {
        const event = messageEvent(CONV_SHORT, 'M1', { content });
        const encoded = Buffer.from(JSON.stringify(event)).toString(alphabet as BufferEncoding).replace(/=+$/, '');
        const data = padded ? encoded.padEnd(Math.ceil(encoded.length / 4) * 4, '=') : encoded;
        const result = decodeDelivery(push(data));
        expect(result.ok && result.event.kind === 'message' && JSON.parse(result.event.record.payloadJson).content).toBe(content);
      }),
    );
  });
});
