import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makePushBody, uniqueConversation } from '../support/builders';
import { conversationEvents, encodeOfficially, type ApiVersion } from '../support/protobufEvents';
import { quarantineAsOlderVersion, replayQuarantined } from '../support/quarantine';
import { ingestAll, post } from '../support/stack';
import { readConversation, readQuarantine, snapshotConversation } from '../support/store';
import { targetFor } from '../../shared/pubsub/pushDelivery';

/**
 * Profiles that leave `message_format` unset publish PROTO. A PROTO delivery
 * and its JSON twin must end in the same documents.
 */

/** The snapshot with every stored JSON text parsed: PROTO payloads are written in declaration order, JSON ones as received. */
function parsedJsonFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(parsedJsonFields);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, key.endsWith('Json') && typeof item === 'string' ? JSON.parse(item) : parsedJsonFields(item)]),
  );
}

function pushBody(data: Uint8Array, event: Record<string, unknown>, index: number, id: string) {
  const body = makePushBody(event, { publishTime: `2026-11-02T14:03:${String(index).padStart(2, '0')}.120Z`, messageId: `${id}-${index}` });
  return { path: `/${targetFor(event)}`, body: { ...body, message: { ...body.message, data: Buffer.from(data).toString('base64') } } };
}

describe.each<ApiVersion>(['v2', 'v2beta1'])('PROTO deliveries encoded by the official %s classes', (version) => {
  it('end in the same documents as their JSON twins, every event type', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 }), async (withLocation, seed) => {
        const proto = uniqueConversation();
        const twin = uniqueConversation();
        const protoName = withLocation ? proto.name : proto.shortName;
        const [events] = fc.sample(conversationEvents(protoName, version), { seed, numRuns: 1 });
        const asTwin = (json: Record<string, unknown>) => JSON.parse(JSON.stringify(json).replaceAll(proto.id, twin.id)) as Record<string, unknown>;
        // The same Pub/Sub ids and publish times for both: only the conversation differs.
        const run = randomUUID();
        await ingestAll(events!.map((event, index) => pushBody(encodeOfficially(version, event.official), event.json, index, run)));
        await ingestAll(events!.map((event, index) => pushBody(Buffer.from(JSON.stringify(asTwin(event.json))), asTwin(event.json), index, run)));
        const [stored, expected] = await Promise.all([snapshotConversation(proto.name, proto.id), snapshotConversation(twin.name, twin.id)]);
        expect(stored.conversation).toBeDefined();
        expect(Object.keys(stored.messages).length).toBeGreaterThan(0);
        expect(Object.keys(stored.recognitionResults)).toHaveLength(1);
        expect(parsedJsonFields(stored)).toEqual(parsedJsonFields(expected));
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});

it('keeps the fields only v2beta1 has', async () => {
  const c = uniqueConversation();
  const message = encodeOfficially('v2beta1', {
    conversation: c.name,
    type: 'NEW_MESSAGE',
    newMessagePayload: { name: `${c.name}/messages/M1`, content: 'hi', responseMessages: [{ text: { text: ['hello'] } }] },
  });
  const recognition = encodeOfficially('v2beta1', { conversation: c.name, type: 'NEW_RECOGNITION_RESULT', newRecognitionResultPayload: { transcript: 'hel', stability: 0.5, dtmfDigits: { dtmfEvents: ['DTMF_ONE'] } } });
  expect((await post('/ingestMessageEvents', pushBody(message, { type: 'NEW_MESSAGE' }, 0, c.id).body)).body).toEqual({ outcome: 'stored' });
  expect((await post('/ingestMessageEvents', pushBody(recognition, { type: 'NEW_RECOGNITION_RESULT' }, 1, c.id).body)).body).toEqual({ outcome: 'stored' });
  const stored = await snapshotConversation(c.name, c.id);
  expect(JSON.parse(stored.messages['M1'].payloadJson as string)).toMatchObject({ responseMessages: [{ text: { text: ['hello'] } }] });
  expect(JSON.parse((Object.values(stored.recognitionResults)[0] as { payloadJson: string }).payloadJson)).toMatchObject({
    newRecognitionResultPayload: { transcript: 'hel', stability: 0.5, dtmfDigits: { dtmfEvents: ['DTMF_ONE'] } },
  });
});

it('stores, on replay, what an older version quarantined as proto_format_unsupported', async () => {
  const c = uniqueConversation();
  const bytes = encodeOfficially('v2', { conversation: c.name, type: 'CONVERSATION_STARTED' });
  const rawBody = JSON.stringify(pushBody(bytes, { type: 'CONVERSATION_STARTED' }, 0, c.id).body);
  const id = `proto-${c.id}`;
  await quarantineAsOlderVersion(id, rawBody, 'proto_format_unsupported', 'message_format PROTO is not supported yet; set JSON');
  expect(await replayQuarantined(id)).toContain(`${id} -> ingestLifecycleEvents: 200 stored`);
  expect(await readQuarantine(id)).toMatchObject({ replayed: true });
  expect(await readConversation(c.name)).toMatchObject({ lifecycleState: 'IN_PROGRESS', startTime: '2026-11-02T14:03:00.120000000Z' });
}, 30_000);

it('quarantines data that is neither JSON nor a protobuf ConversationEvent, saying so', async () => {
  const c = uniqueConversation();
  const answer = await post('/ingestLifecycleEvents', pushBody(Buffer.from([0x0a, 0x05, 0x70]), { type: 1 }, 0, c.id).body);
  expect(answer.body).toMatchObject({ outcome: 'rejected', code: 'data_not_json', reason: "Field 'message.data' is neither JSON nor a protobuf ConversationEvent (3 bytes)" });
});
