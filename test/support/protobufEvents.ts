import fc from 'fast-check';
import { protos } from '@google-cloud/dialogflow';

/**
 * ConversationEvents in two forms, built side by side: the object Google's
 * own generated classes (the official `@google-cloud/dialogflow` package's
 * descriptor, not ours) encode as protobuf, and the proto3 JSON Dialogflow
 * publishes for the same event with `message_format: JSON`.
 */

export type ApiVersion = 'v2' | 'v2beta1';

export interface EventTwins {
  /** For `ConversationEvent.fromObject` of the official package. */
  official: Record<string, unknown>;
  /** The same event as proto3 JSON. */
  json: Record<string, unknown>;
}

/** Encodes with the official package's generated class for that API version. */
export function encodeOfficially(version: ApiVersion, official: Record<string, unknown>): Uint8Array {
  const ConversationEvent = protos.google.cloud.dialogflow[version].ConversationEvent;
  const message = ConversationEvent.fromObject(official);
  return ConversationEvent.encode(message).finish();
}

/** RFC 3339 as proto3 JSON writes it: 0, 3, 6 or 9 fractional digits. */
function rfc3339(seconds: number, nanos: number): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  let fraction = String(nanos).padStart(9, '0');
  while (fraction.length > 0 && fraction.endsWith('000')) fraction = fraction.slice(0, -3);
  return `${base}${fraction ? `.${fraction}` : ''}Z`;
}

const timestamp = fc
  .record({ seconds: fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }), nanos: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999 }).map((n) => n * 1_000_000), fc.integer({ min: 1, max: 999_999_999 })) })
  .map(({ seconds, nanos }) => ({ official: { seconds, nanos }, json: rfc3339(seconds, nanos) }));

/** A float32 whose shortest decimal is a two-place decimal, as Dialogflow's JSON prints scores. */
const score = fc.integer({ min: -100, max: 100 }).filter((n) => n !== 0).map((n) => n / 100);
const text = fc.string({ minLength: 1, maxLength: 40 });
const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$/);

/** A field present in both forms, or in neither. */
function maybe<T>(key: string, arbitrary: fc.Arbitrary<{ official: T; json: unknown }>) {
  return fc.option(arbitrary, { nil: undefined }).map((value) =>
    value === undefined ? { official: {}, json: {} } : { official: { [key]: value.official }, json: { [key]: value.json } },
  );
}
const same = <T>(arbitrary: fc.Arbitrary<T>) => arbitrary.map((value) => ({ official: value, json: value }));
const merge = (...parts: Array<{ official: object; json: object }>) => ({
  official: Object.assign({}, ...parts.map((part) => part.official)) as Record<string, unknown>,
  json: Object.assign({}, ...parts.map((part) => part.json)) as Record<string, unknown>,
});

const ROLES = ['HUMAN_AGENT', 'AUTOMATED_AGENT', 'END_USER'] as const;

function message(conversation: string, version: ApiVersion) {
  return fc
    .tuple(
      id,
      text,
      maybe('languageCode', same(fc.constantFrom('en-US', 'de-DE', 'ja-JP'))),
      maybe('participant', same(id.map((p) => `${conversation}/participants/${p}`))),
      maybe('participantRole', same(fc.constantFrom(...ROLES))),
      maybe('createTime', timestamp),
      maybe('sendTime', timestamp),
      maybe('sentimentAnalysis', fc.record({ score, magnitude: score.map(Math.abs) }).map((s) => ({ official: { queryTextSentiment: s }, json: { queryTextSentiment: s } }))),
      // responseMessages (field 11) exists only in v2beta1.
      version === 'v2beta1' ? maybe('responseMessages', same(fc.array(text, { minLength: 1, maxLength: 3 }).map((lines) => [{ text: { text: lines } }]))) : fc.constant({ official: {}, json: {} }),
    )
    .map(([messageId, content, ...fields]) => merge({ official: { name: `${conversation}/messages/${messageId}`, content }, json: { name: `${conversation}/messages/${messageId}`, content } }, ...fields));
}

function recognitionResult(version: ApiVersion) {
  const duration = fc.integer({ min: 0, max: 5_000 }).map((ms) => ({ official: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 }, json: `${Math.floor(ms / 1000)}${ms % 1000 ? `.${String(ms % 1000).padStart(3, '0')}` : ''}s` }));
  return fc
    .tuple(
      maybe('messageType', same(fc.constantFrom('TRANSCRIPT', 'END_OF_SINGLE_UTTERANCE'))),
      maybe('transcript', same(text)),
      maybe('isFinal', same(fc.constant(true))),
      maybe('confidence', same(score.map(Math.abs))),
      maybe('languageCode', same(fc.constant('en-US'))),
      maybe('speechEndOffset', duration),
      // stability (6) and dtmfDigits (5) exist only in v2beta1.
      version === 'v2beta1' ? maybe('stability', same(score.map(Math.abs))) : fc.constant({ official: {}, json: {} }),
      version === 'v2beta1'
        ? maybe('dtmfDigits', same(fc.array(fc.constantFrom('DTMF_ONE', 'DTMF_STAR', 'DTMF_POUND'), { minLength: 1, maxLength: 4 }).map((events) => ({ dtmfEvents: events }))))
        : fc.constant({ official: {}, json: {} }),
    )
    .map((fields) => merge(...fields));
}

/** Events of one conversation, one of each type, as a client of the given API version publishes them. */
export function conversationEvents(conversation: string, version: ApiVersion): fc.Arbitrary<EventTwins[]> {
  const event = (type: string, payload: { official: object; json: object } = { official: {}, json: {} }) =>
    merge({ official: { conversation, type }, json: { conversation, type } }, payload);
  return fc
    .tuple(
      fc.array(message(conversation, version), { minLength: 1, maxLength: 4 }),
      recognitionResult(version),
      fc.record({ code: fc.integer({ min: 1, max: 16 }), message: text }),
    )
    .map(([messages, recognition, status]) => [
      event('CONVERSATION_STARTED'),
      ...messages.map((payload) => event('NEW_MESSAGE', { official: { newMessagePayload: payload.official }, json: { newMessagePayload: payload.json } })),
      event('HUMAN_INTERVENTION_NEEDED'),
      event('NEW_RECOGNITION_RESULT', { official: { newRecognitionResultPayload: recognition.official }, json: { newRecognitionResultPayload: recognition.json } }),
      event('UNRECOVERABLE_ERROR', { official: { errorStatus: status }, json: { errorStatus: status } }),
      event('CONVERSATION_FINISHED'),
    ]);
}
