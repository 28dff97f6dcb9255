import { beforeAll, describe, expect, it } from 'vitest';
import { protos } from '@google-cloud/dialogflow';
import { decodeDelivery, type DecodeResult } from '../../../shared/domain/decodeDelivery';
import { MAX_JSON_VALUES } from '../../../shared/domain/jsonShape';
import { createProtobufEventReader } from '../../../shared/wire/protobufConversationEvent';
import { encodeOfficially } from '../../support/protobufEvents';

/**
 * What one hostile delivery may cost: `{}` is 3 bytes of JSON and 2 of
 * protobuf, so a body within its 900 KiB cap can carry 340 000 objects.
 * Before the values were counted, 340 000 empty annotation parts cost
 * 0.8-1.7 s of CPU before they were refused, and 200 000 were stored
 * after 0.9 s. Every case here must be answered within CPU_BUDGET_SECONDS,
 * measured as this process's CPU time (not wall-clock), far above what the
 * bounded decode takes (under 0.15 s), far below what the unbounded one did.
 */
const CPU_BUDGET_SECONDS = 0.5;
const CONV = 'projects/demo-project/locations/global/conversations/C1';
const MESSAGE = `${CONV}/messages/M1`;
const reader = createProtobufEventReader();
const push = (data: Uint8Array) => ({
  message: { data: Buffer.from(data).toString('base64'), messageId: '77', publishTime: '2026-11-02T14:03:00.120Z' },
  subscription: 'projects/demo-project/subscriptions/s',
});
const emptyParts = (count: number) => Array.from({ length: count }, () => ({}));
const protoMessage = (payload: Record<string, unknown>, version: 'v2' | 'v2beta1' = 'v2') =>
  encodeOfficially(version, { conversation: CONV, type: 'NEW_MESSAGE', newMessagePayload: { name: MESSAGE, ...payload } });
const jsonMessage = (payload: Record<string, unknown>) => Buffer.from(JSON.stringify({ conversation: CONV, type: 'NEW_MESSAGE', newMessagePayload: { name: MESSAGE, ...payload } }));

/** An Any that packs a Message of `parts` empty parts, in an UNRECOVERABLE_ERROR's status: decoded only once its type is known. */
function protoErrorPackingParts(parts: number): Uint8Array {
  const packed = protos.google.cloud.dialogflow.v2.Message.encode({ name: MESSAGE, messageAnnotation: { parts: emptyParts(parts) } }).finish();
  return encodeOfficially('v2', {
    conversation: CONV,
    type: 'UNRECOVERABLE_ERROR',
    errorStatus: { code: 3, details: [{ type_url: 'type.googleapis.com/google.cloud.dialogflow.v2beta1.Message', value: packed }] },
  });
}

function decodeTimed(data: Uint8Array): { result: DecodeResult; cpuSeconds: number } {
  const body = push(data);
  const start = process.cpuUsage();
  const result = decodeDelivery(body, { readProtobufEvent: reader });
  const used = process.cpuUsage(start);
  return { result, cpuSeconds: (used.user + used.system) / 1e6 };
}

beforeAll(() => {
  // The descriptor is built at the first PROTO delivery of an instance: not part of any one delivery's cost here.
  reader(encodeOfficially('v2', { conversation: CONV, type: 'CONVERSATION_STARTED' }));
});

describe('a delivery that would expand past MAX_JSON_VALUES is refused before it is built', () => {
  const refused = [
    { name: 'a PROTO message of 340 000 empty annotation parts (680 KB)', data: () => protoMessage({ messageAnnotation: { parts: emptyParts(340_000) } }) },
    { name: 'a PROTO message of 200 000 empty annotation parts, which used to be stored', data: () => protoMessage({ messageAnnotation: { parts: emptyParts(200_000) } }) },
    { name: 'a JSON message of 225 000 empty annotation parts (675 KB)', data: () => jsonMessage({ messageAnnotation: { parts: emptyParts(225_000) } }) },
    { name: 'a JSON message with an unknown field of 150 000 keys', data: () => jsonMessage({ future: Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [i, 0])) }) },
    {
      name: 'a PROTO Struct of 100 000 values (v2beta1 response payload)',
      data: () => protoMessage({ responseMessages: [{ payload: { fields: { list: { listValue: { values: emptyParts(100_000).map(() => ({ nullValue: 0 })) } } } } }] }, 'v2beta1'),
    },
    { name: 'a PROTO Any packing a Message of 200 000 empty parts', data: () => protoErrorPackingParts(200_000) },
  ];
  it.each(refused)('quarantines $name as too large, within the CPU budget', ({ data }) => {
    const { result, cpuSeconds } = decodeTimed(data());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection.code).toBe('too_large');
    expect(result.rejection.reason).toMatch(new RegExp(`more than ${MAX_JSON_VALUES} values`));
    expect(cpuSeconds).toBeLessThan(CPU_BUDGET_SECONDS);
  });
});

describe('a delivery within the bounds is stored, within the CPU budget', () => {
  const stored = [
    { name: 'a PROTO message just under the bound of values', data: () => protoMessage({ messageAnnotation: { parts: emptyParts(MAX_JSON_VALUES - 20) } }) },
    { name: 'a JSON message just under the bound of values', data: () => jsonMessage({ messageAnnotation: { parts: emptyParts(MAX_JSON_VALUES - 20) } }) },
    { name: 'a JSON message of 600 000 characters', data: () => jsonMessage({ content: 'x'.repeat(600_000) }) },
    { name: 'a PROTO message of 600 000 characters', data: () => protoMessage({ content: 'x'.repeat(600_000) }) },
  ];
  it.each(stored)('stores $name', ({ data }) => {
    const { result, cpuSeconds } = decodeTimed(data());
    expect(result.ok, result.ok ? '' : result.rejection.reason).toBe(true);
    expect(cpuSeconds).toBeLessThan(CPU_BUDGET_SECONDS);
  });
});
