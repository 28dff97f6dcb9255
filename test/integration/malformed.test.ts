import { describe, expect, it } from 'vitest';
import type { RejectionCode } from '../../shared/domain/outcomes';
import { base64, makeRawPushBody, uniqueConversation } from '../support/builders';
import { post, send } from '../support/stack';
import { readConversation, readQuarantine } from '../support/store';

/**
 * Every malformed delivery gets a deliberate answer. A delivery that is a
 * Pub/Sub push but cannot be stored is quarantined whole, with its reason,
 * and acknowledged (200) so that Pub/Sub does not retry a poison message
 * forever. A request that is not a push delivery at all gets the 4xx that
 * says why, and nothing is written.
 */

const c = uniqueConversation();
const event = (fields: Record<string, unknown>) => ({ conversation: c.name, type: 'CONVERSATION_STARTED', ...fields });
const json = (value: unknown) => base64(JSON.stringify(value));
const message = (fields: Record<string, unknown>) => ({
  conversation: c.name,
  type: 'NEW_MESSAGE',
  newMessagePayload: { name: `${c.name}/messages/M1`, content: 'SECRET-PII-TEXT', ...fields },
});
const deep = (levels: number): unknown => (levels === 0 ? {} : { a: deep(levels - 1) });

interface QuarantinedCase {
  name: string;
  body: unknown;
  code: RejectionCode;
  path?: string;
}

const quarantined: QuarantinedCase[] = [
  // Not a push envelope
  { name: 'an empty JSON object', body: {}, code: 'not_a_push_envelope' },
  { name: 'a JSON array', body: [], code: 'not_a_push_envelope' },
  { name: 'a message that is a string', body: { message: 'x', subscription: 's' }, code: 'not_a_push_envelope' },
  { name: 'a message without data', body: makeRawPushBody('', { data: undefined }), code: 'not_a_push_envelope' },
  { name: 'data that is a number', body: makeRawPushBody('', { data: 12 }), code: 'not_a_push_envelope' },
  { name: 'no messageId', body: makeRawPushBody(json(event({})), { messageId: undefined }), code: 'not_a_push_envelope' },
  { name: 'a messageId with a path trick', body: makeRawPushBody(json(event({})), { messageId: '../../quarantine/x' }), code: 'not_a_push_envelope' },
  { name: 'messageId and message_id that differ', body: makeRawPushBody(json(event({})), { message_id: 'other' }), code: 'not_a_push_envelope' },
  { name: 'no publishTime', body: makeRawPushBody(json(event({})), { publishTime: undefined }), code: 'not_a_push_envelope' },
  { name: 'a publishTime that is not RFC 3339', body: makeRawPushBody(json(event({})), { publishTime: 'yesterday' }), code: 'not_a_push_envelope' },
  { name: 'a publishTime out of range', body: makeRawPushBody(json(event({})), { publishTime: '10000-01-01T00:00:00Z' }), code: 'not_a_push_envelope' },
  { name: 'no subscription', body: { message: makeRawPushBody(json(event({}))).message }, code: 'not_a_push_envelope' },
  { name: 'attributes that are not strings', body: makeRawPushBody(json(event({})), { attributes: { a: 1 } }), code: 'not_a_push_envelope' },
  { name: 'a negative deliveryAttempt', body: { ...makeRawPushBody(json(event({}))), deliveryAttempt: -1 }, code: 'not_a_push_envelope' },
  // Data that is not a JSON event
  { name: 'data that is not base64', body: makeRawPushBody('!!not base64!!'), code: 'data_not_base64' },
  { name: 'base64 of impossible length', body: makeRawPushBody('a'), code: 'data_not_base64' },
  { name: 'base64 mixing both alphabets', body: makeRawPushBody('ab+_'), code: 'data_not_base64' },
  { name: 'base64 with embedded whitespace', body: makeRawPushBody('eyJh Ijox fQ=='), code: 'data_not_base64' },
  { name: 'empty data', body: makeRawPushBody(''), code: 'data_not_json' },
  { name: 'data that is invalid UTF-8', body: makeRawPushBody(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64')), code: 'data_not_utf8' },
  { name: 'truncated JSON', body: makeRawPushBody(base64(`{"conversation": "${c.name}", "ty`)), code: 'data_not_json' },
  { name: 'plain text data', body: makeRawPushBody(base64('hello there')), code: 'data_not_json' },
  { name: 'a __proto__ key', body: makeRawPushBody(base64(`{"conversation":"${c.name}","type":1,"__proto__":{"polluted":true}}`)), code: 'unsafe_json' },
  { name: 'a nested __proto__ key', body: makeRawPushBody(base64(`{"conversation":"${c.name}","type":1,"x":[{"__proto__":1}]}`)), code: 'unsafe_json' },
  { name: 'JSON nested 100 levels deep', body: makeRawPushBody(json(event({ deep: deep(100) }))), code: 'unsafe_json' },
  // Not a ConversationEvent
  { name: 'a JSON array event', body: makeRawPushBody(json([])), code: 'not_a_conversation_event' },
  { name: 'a JSON null event', body: makeRawPushBody(json(null)), code: 'not_a_conversation_event' },
  { name: 'an event without conversation', body: makeRawPushBody(json({ type: 1 })), code: 'not_a_conversation_event' },
  { name: 'an event without type', body: makeRawPushBody(json({ conversation: c.name })), code: 'not_a_conversation_event' },
  { name: 'a boolean type', body: makeRawPushBody(json(event({ type: true }))), code: 'not_a_conversation_event' },
  { name: 'a fractional type', body: makeRawPushBody(json(event({ type: 1.5 }))), code: 'not_a_conversation_event' },
  { name: 'a conversation that is a number', body: makeRawPushBody(json(event({ conversation: 7 }))), code: 'not_a_conversation_event' },
  { name: 'an errorStatus that is a string', body: makeRawPushBody(json(event({ errorStatus: 'bad' }))), code: 'not_a_conversation_event' },
  { name: 'a message content that is a number', body: makeRawPushBody(json(message({ content: 5 }))), code: 'not_a_conversation_event' },
  { name: 'a message without a name', body: makeRawPushBody(json(message({ name: undefined }))), code: 'not_a_conversation_event' },
  {
    name: 'one payload spelled both ways with different values',
    body: makeRawPushBody(json({ ...message({}), new_message_payload: { name: `${c.name}/messages/M2` } })),
    code: 'not_a_conversation_event',
  },
  // Names that are not names
  { name: 'a conversation that is not a resource name', body: makeRawPushBody(json(event({ conversation: 'hello' }))), code: 'invalid_conversation_name' },
  { name: "a conversation with a '..' segment", body: makeRawPushBody(json(event({ conversation: 'projects/p/conversations/..' }))), code: 'invalid_conversation_name' },
  { name: 'a conversation escaping its project', body: makeRawPushBody(json(event({ conversation: 'projects/p/../q/conversations/c' }))), code: 'invalid_conversation_name' },
  { name: 'a percent-encoded conversation id', body: makeRawPushBody(json(event({ conversation: 'projects/p/conversations/a%2Fb' }))), code: 'invalid_conversation_name' },
  { name: 'a reserved __id__ conversation id', body: makeRawPushBody(json(event({ conversation: 'projects/p/conversations/__x__' }))), code: 'invalid_conversation_name' },
  { name: 'a conversation id longer than allowed', body: makeRawPushBody(json(event({ conversation: `projects/p/conversations/${'a'.repeat(200)}` }))), code: 'invalid_conversation_name' },
  { name: 'a conversation name with extra segments', body: makeRawPushBody(json(event({ conversation: `${c.name}/messages/M1` }))), code: 'invalid_conversation_name' },
  { name: 'an empty conversation', body: makeRawPushBody(json(event({ conversation: '' }))), code: 'not_a_conversation_event' },
  // Messages that cannot be stored
  { name: 'NEW_MESSAGE without newMessagePayload', body: makeRawPushBody(json({ conversation: c.name, type: 'NEW_MESSAGE' })), code: 'invalid_message' },
  { name: 'a message name that is not a message name', body: makeRawPushBody(json(message({ name: 'M1' }))), code: 'invalid_message' },
  {
    name: 'a message of another conversation',
    body: makeRawPushBody(json(message({ name: 'projects/demo-project/conversations/Other/messages/M1' }))),
    code: 'message_of_other_conversation',
  },
  {
    name: 'a message of the same id in another project',
    body: makeRawPushBody(json(message({ name: `projects/elsewhere/locations/global/conversations/${c.id}/messages/M1` }))),
    code: 'message_of_other_conversation',
  },
  { name: 'a message createTime that is not a timestamp', body: makeRawPushBody(json(message({ createTime: 'now' }))), code: 'invalid_timestamp' },
  { name: 'an error status too large to keep', body: makeRawPushBody(json(event({ type: 'UNRECOVERABLE_ERROR', errorStatus: { message: 'x'.repeat(9000) } }))), code: 'too_large' },
];

describe('malformed deliveries are quarantined with their reason and acknowledged', () => {
  it.each(quarantined)('quarantines $name as $code', async ({ body, code, path = '/ingestLifecycleEvents' }) => {
    const raw = JSON.stringify(body);
    const answer = await post(path, raw);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'rejected', code, reason: expect.any(String), quarantineId: expect.any(String) });
    expect(answer.body['reason']).not.toContain('SECRET-PII-TEXT');

    const record = await readQuarantine(answer.body['quarantineId'] as string);
    expect(record).toMatchObject({
      reasonCode: code,
      reason: answer.body['reason'],
      receivedBy: 'ingestLifecycleEvents',
      rawBody: raw,
      rawBodyEncoding: 'utf-8',
      rawBodyBytes: Buffer.byteLength(raw),
      replayed: false,
    });
    const envelope = body as { message?: { messageId?: unknown }; subscription?: unknown };
    if (typeof envelope.message?.messageId === 'string' && code !== 'not_a_push_envelope') {
      expect(record).toMatchObject({ pubsubMessageId: envelope.message.messageId, subscription: envelope.subscription });
    }
  });

  it('writes nothing to the conversation a rejected delivery names', async () => {
    expect(await readConversation(c.name)).toBeUndefined();
  });

  it('quarantines the same bad delivery once however often it is redelivered', async () => {
    const body = JSON.stringify(makeRawPushBody('!!'));
    const first = await post('/ingestMessageEvents', body);
    const second = await post('/ingestMessageEvents', body);
    expect(second.body['quarantineId']).toBe(first.body['quarantineId']);
    expect(await readQuarantine(first.body['quarantineId'] as string)).toMatchObject({ receivedBy: 'ingestMessageEvents' });
  });
});

interface RefusedCase {
  name: string;
  init: RequestInit;
  status: number;
}

const refused: RefusedCase[] = [
  { name: 'a GET', init: { method: 'GET' }, status: 404 },
  { name: 'a PUT', init: { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }, status: 404 },
  { name: 'a DELETE', init: { method: 'DELETE' }, status: 404 },
  { name: 'a text/plain body', init: { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }, status: 400 },
  { name: 'a form body', init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' }, status: 400 },
  { name: 'a body without content type', init: { method: 'POST', body: new Uint8Array([123, 125]) }, status: 400 },
  { name: 'an empty JSON body', init: { method: 'POST', headers: { 'content-type': 'application/json' } }, status: 400 },
  {
    name: 'a body over MAX_PUSH_BODY_BYTES',
    init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makeRawPushBody('A'.repeat(1_000_000))) },
    status: 400,
  },
  // The Functions Framework's own body parser answers these before our code runs (see docs/reliability.md).
  { name: 'a body that is not JSON at all', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message": ' }, status: 400 },
];

describe('requests that are not push deliveries are refused with a 4xx', () => {
  it.each(refused)('answers $status to $name', async ({ init, status }) => {
    const answer = await send('/ingestMessageEvents', init);
    expect(answer.status).toBe(status);
    // Ours carry Google's error shape with the status that goes with the code; the framework's own page does not.
    if (answer.body['error']) expect(answer.body['error']).toMatchObject({ code: status, status: status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT' });
  });
});

it('has at least 40 malformed cases', () => {
  expect(quarantined.length + refused.length).toBeGreaterThanOrEqual(40);
});
