import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protos } from '@google-cloud/dialogflow';
import { decodeDelivery } from '../../../shared/domain/decodeDelivery';
import { createProtobufEventReader } from '../../../shared/wire/protobufConversationEvent';
import { conversationEvents, encodeOfficially, type ApiVersion } from '../../support/protobufEvents';

const reader = createProtobufEventReader();
/** The event read: these bytes are within MAX_JSON_VALUES (the bounds have their own tests). */
const read = (bytes: Uint8Array) => reader(bytes) as { event: Record<string, unknown>; unknownFields: boolean } | undefined;
const CONV = 'projects/demo-project/locations/global/conversations/C1';
const CONV_SHORT = 'projects/demo-project/conversations/C1';
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const push = (data: string) => ({ message: { data, messageId: '77', publishTime: '2026-11-02T14:03:00.120Z' }, subscription: 'projects/p/subscriptions/s' });

/** Decoded results with their JSON fields parsed, so that key order does not matter. */
function readable(result: ReturnType<typeof decodeDelivery>) {
  if (!result.ok) return result;
  const record: Record<string, unknown> = { ...result.event.record };
  for (const key of ['payloadJson', 'detailJson', 'eventDetailJson']) if (typeof record[key] === 'string') record[key] = JSON.parse(record[key] as string);
  return { ...result, event: { ...result.event, record } };
}

describe.each<ApiVersion>(['v2', 'v2beta1'])('a ConversationEvent encoded by the official %s classes', (version) => {
  it('reads as the proto3 JSON Dialogflow publishes for it, and decodes to the same delivery as that JSON', () => {
    fc.assert(
      fc.property(fc.constantFrom(CONV, CONV_SHORT).chain((conversation) => conversationEvents(conversation, version)), (events) => {
        for (const twins of events) {
          const bytes = encodeOfficially(version, twins.official);
          const decoded = read(bytes);
          expect(decoded).toEqual({ event: twins.json, unknownFields: false });
          const viaProtobuf = readable(decodeDelivery(push(b64(bytes)), { readProtobufEvent: read }));
          const viaJson = readable(decodeDelivery(push(Buffer.from(JSON.stringify(twins.json)).toString('base64')), { readProtobufEvent: read }));
          expect(viaProtobuf.ok).toBe(true);
          // The same record to store (the facts differ only in dataBytes, the size of what arrived).
          expect(viaProtobuf.ok && viaProtobuf.event).toEqual(viaJson.ok && viaJson.event);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('the protobuf reader', () => {
  const started = encodeOfficially('v2', { conversation: CONV, type: 'CONVERSATION_STARTED' });

  it('keeps every nanosecond of a timestamp, and beta-only fields of a v2beta1 message', () => {
    const bytes = encodeOfficially('v2beta1', {
      conversation: CONV,
      type: 'NEW_MESSAGE',
      newMessagePayload: { name: `${CONV}/messages/M1`, content: 'hi', createTime: { seconds: 1793628182, nanos: 455120789 }, responseMessages: [{ text: { text: ['a', 'b'] } }] },
    });
    expect(read(bytes)!.event['newMessagePayload']).toEqual({
      name: `${CONV}/messages/M1`,
      content: 'hi',
      createTime: '2026-11-02T14:03:02.455120789Z',
      responseMessages: [{ text: { text: ['a', 'b'] } }],
    });
  });

  it('writes Struct, Value and ListValue as JSON values', () => {
    const bytes = encodeOfficially('v2beta1', {
      conversation: CONV,
      type: 'NEW_MESSAGE',
      newMessagePayload: {
        name: `${CONV}/messages/M1`,
        content: 'hi',
        responseMessages: [
          {
            payload: {
              fields: {
                s: { stringValue: 'x' },
                n: { numberValue: 1.5 },
                b: { boolValue: false },
                z: { nullValue: 'NULL_VALUE' },
                l: { listValue: { values: [{ numberValue: 1 }, { structValue: { fields: { k: { stringValue: 'v' } } } }] } },
              },
            },
          },
        ],
      },
    });
    const payload = (read(bytes)!.event['newMessagePayload'] as { responseMessages: Array<{ payload: unknown }> }).responseMessages[0]!.payload;
    expect(payload).toEqual({ s: 'x', n: 1.5, b: false, z: null, l: [1, { k: 'v' }] });
  });

  it('keeps enum numbers it has no name for, and an Any of an unknown type as base64 beside its type URL', () => {
    const Status = protos.google.rpc.Status;
    const bytes = encodeOfficially('v2', {
      conversation: CONV,
      type: 42,
      errorStatus: Status.toObject(Status.fromObject({ code: 14, message: 'down', details: [{ type_url: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from([0x0a, 0x01, 0x78]) }] })),
    });
    expect(read(bytes)!.event).toEqual({
      conversation: CONV,
      type: 42,
      errorStatus: { code: 14, message: 'down', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', value: 'CgF4' }] },
    });
  });

  it('says when the bytes carry fields the descriptor does not know, at any depth; the delivery then keeps them', () => {
    const unknownVarint = Buffer.from([0xf8, 0x06, 0x01]); // field 111, varint 1
    const topLevel = Buffer.concat([started, unknownVarint]);
    expect(read(topLevel)).toEqual({ event: { conversation: CONV, type: 'CONVERSATION_STARTED' }, unknownFields: true });
    const message = encodeOfficially('v2', { conversation: CONV, type: 'NEW_MESSAGE', newMessagePayload: { name: `${CONV}/messages/M1`, content: 'hi' } });
    // Field 4 (newMessagePayload) re-framed with the unknown field appended inside it.
    const inner = message.subarray(message.indexOf(0x22) + 2);
    const nested = Buffer.concat([message.subarray(0, message.indexOf(0x22)), Buffer.from([0x22, inner.length + unknownVarint.length]), inner, unknownVarint]);
    expect(read(nested)!.unknownFields).toBe(true);
    expect(read(nested)!.event['newMessagePayload']).toEqual({ name: `${CONV}/messages/M1`, content: 'hi' });

    const decoded = decodeDelivery(push(b64(topLevel)), { readProtobufEvent: read });
    expect(decoded.ok && decoded.event.kind === 'lifecycle' && JSON.parse(decoded.event.record.detailJson!)).toEqual({ protobufDataBase64: b64(topLevel) });
    expect(readable(decodeDelivery(push(b64(started)), { readProtobufEvent: read }))).toMatchObject({ ok: true, event: { record: { type: 'CONVERSATION_STARTED' } } });
  });

  it.each([
    ['text', Buffer.from('hello there')],
    ['truncated bytes', started.subarray(0, started.length - 3)],
    ['a known field with the wrong wire type', Buffer.from([0x08, 0x01])],
    ['field number 0', Buffer.from([0x00, 0x01])],
    ['a nested message cut short', Buffer.from([0x22, 0x10, 0x0a, 0x01])],
  ])('is not fooled by %s', (_, bytes) => {
    expect(read(bytes)).toBeUndefined();
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const result = read(bytes);
        expect(result === undefined || typeof result.event === 'object').toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('quarantines data that is neither JSON nor a protobuf ConversationEvent, saying so', () => {
    const decoded = decodeDelivery(push(b64(Buffer.from([0x08, 0x01, 0xff]))), { readProtobufEvent: read });
    expect(decoded).toMatchObject({ ok: false, rejection: { code: 'data_not_utf8', reason: "Field 'message.data' is neither UTF-8 JSON nor a protobuf ConversationEvent (3 bytes)" } });
    const text = decodeDelivery(push(b64(Buffer.from('hello there'))), { readProtobufEvent: read });
    expect(text).toMatchObject({ ok: false, rejection: { code: 'data_not_json', reason: "Field 'message.data' is neither JSON nor a protobuf ConversationEvent (11 bytes)" } });
  });

  it('quarantines a protobuf message that does not validate as a ConversationEvent as neither format, saying why', () => {
    const decoded = decodeDelivery(push(b64(Buffer.from([0x10, 0x01]))), { readProtobufEvent: read });
    expect(decoded).toMatchObject({
      ok: false,
      rejection: { code: 'data_not_json', reason: expect.stringMatching(/^Field 'message.data' is neither JSON nor a protobuf ConversationEvent \(2 bytes; read as protobuf: Not a ConversationEvent: Field 'conversation' is required/) },
    });
  });
});
