import { posix } from 'node:path';
import type { RejectionCode } from '../../shared/domain/outcomes';
import { encodeOfficially } from './protobufEvents';

/**
 * Generators for the hardening corpora: hostile Pub/Sub push deliveries
 * (test/integration/hostileIngest.test.ts) and the model of what a stored
 * delivery must look like, shared with the decoder's property tests
 * (test/unit/domain/decodeDeliveryFuzz.test.ts).
 *
 * Every case says what the code promises for it: quarantined with one of
 * the listed codes, refused with a 4xx, or stored faithfully in the
 * conversation it names. A case carrying `bug` describes what SHOULD happen
 * where the code currently does something else (see the report of the
 * hardening issue); it is kept so that its test fails until fixed.
 */

/** Planted in every `content` (and other message text): no rejection reason may ever quote it. */
export const MARKER = 'HOSTILE-CONTENT-MARKER-5e1d';
/** MAX_PUSH_BODY_BYTES' default: the largest body the push endpoints read. */
export const BODY_CAP = 921_600;
/** Firestore's maximum document size. */
export const FIRESTORE_MAX_DOCUMENT_BYTES = 1_048_576;
export const PUBLISH_TIME = '2026-11-02T14:03:00.120Z';

export const ENDPOINTS = ['/ingestLifecycleEvents', '/ingestMessageEvents'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export const ALL_CODES: readonly RejectionCode[] = [
  'not_a_push_envelope',
  'data_not_base64',
  'data_not_utf8',
  'data_not_json',
  'unsafe_json',
  'not_a_conversation_event',
  'invalid_conversation_name',
  'invalid_message',
  'message_of_other_conversation',
  'invalid_timestamp',
  'too_large',
];

export interface StoredExpectation {
  /** Canonical name (with location) of the conversation the delivery must be stored in. */
  conversation: string;
  lifecycle?: { pubsubMessageId: string; type: string | number; detailJson?: string };
  message?: { messageId: string; payloadJson: string; eventDetailJson?: string; participantRole?: unknown };
  recognition?: { pubsubMessageId: string; payloadJson: string };
}

export type IngestExpectation =
  | { outcome: 'rejected'; codes: readonly RejectionCode[] }
  | { outcome: 'refused'; status: number }
  | { outcome: 'stored'; stored: StoredExpectation };

export interface IngestCase {
  name: string;
  group: string;
  /** Default POST. */
  method?: string;
  /** Default application/json; null sends none. */
  contentType?: string | null;
  body?: string | Uint8Array;
  expected: IngestExpectation;
  /** Canonical name of the conversation the delivery names, when it names a valid one. */
  conversation?: string;
  /** Document paths the delivery aims at that must not exist afterwards. */
  mustNotExist?: string[];
  /** Collection paths that must stay empty. */
  mustStayEmpty?: string[];
  /** What SHOULD happen, when the code currently does otherwise (a bug this corpus found). */
  bug?: string;
}

export interface IngestCorpus {
  project: string;
  subscription: string;
  cases: IngestCase[];
  /** Every conversation name trick the corpus sends, for the sweep after the run. */
  trickNames: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Path = Array<string | number>;

// ---------------------------------------------------------------------------------------------
// Small helpers

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON with object keys sorted, built independently of the code under test (same rules as canonical JSON). */
export function sortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** A deep copy through JSON, which keeps own '__proto__' keys as keys (values here are JSON). */
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Defines an own, enumerable property, whatever its name (`__proto__` included). */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function containerAt(root: unknown, path: Path): unknown {
  let current: unknown = root;
  for (const key of path) current = (current as Record<string | number, unknown>)[key];
  return current;
}

/** A copy of `root` with the value at `path` replaced (the path must exist). */
export function replaceAt<T>(root: T, path: Path, value: unknown): T {
  const copy = clone(root);
  const parent = containerAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent[key as number] = value;
  else defineOwn(parent as Record<string, unknown>, String(key), value);
  return copy;
}

/** A copy of `root` with `key` added to the object at `path`. */
export function insertAt<T>(root: T, path: Path, key: string, value: unknown): T {
  const copy = clone(root);
  defineOwn(containerAt(copy, path) as Record<string, unknown>, key, value);
  return copy;
}

export const base64 = (bytes: string | Uint8Array) => Buffer.from(bytes).toString('base64');
export const utf8Bytes = (text: string) => Buffer.byteLength(text);

/** Runs `work` over `items`, at most `limit` at a time. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

/**
 * The size Firestore counts for a document (cloud.google.com/firestore/docs/storage-size):
 * name, field names and values, plus 32 bytes.
 */
export function firestoreDocumentSize(path: string, data: Record<string, unknown>): number {
  const nameSize = path.split('/').reduce((sum, segment) => sum + utf8Bytes(segment) + 1, 16);
  return nameSize + fieldsSize(data) + 32;
}

function fieldsSize(data: Record<string, unknown>): number {
  return Object.entries(data).reduce((sum, [key, value]) => sum + utf8Bytes(key) + 1 + valueSize(value), 0);
}

function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'number' || typeof value === 'bigint') return 8;
  if (typeof value === 'string') return utf8Bytes(value) + 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + valueSize(item), 0);
  if (typeof (value as { toMillis?: unknown }).toMillis === 'function') return 8; // Timestamp
  if (isObject(value)) return fieldsSize(value);
  return 8;
}

// ---------------------------------------------------------------------------------------------
// The stored model (docs/model.md), written independently of the decoder

const EVENT_TYPE_NAMES: Record<number, string> = {
  0: 'TYPE_UNSPECIFIED',
  1: 'CONVERSATION_STARTED',
  2: 'CONVERSATION_FINISHED',
  3: 'HUMAN_INTERVENTION_NEEDED',
  4: 'UNRECOVERABLE_ERROR',
  5: 'NEW_MESSAGE',
  7: 'NEW_RECOGNITION_RESULT',
};
const ROLE_NAMES: Record<number, string> = { 0: 'ROLE_UNSPECIFIED', 1: 'HUMAN_AGENT', 2: 'AUTOMATED_AGENT', 3: 'END_USER' };

/** proto3 JSON field names spelled snake_case that the decoder renames; the model does not, so generators avoid them. */
export const RENAMED_SNAKE_KEYS = new Set([
  'error_status',
  'new_message_payload',
  'new_recognition_result_payload',
  'language_code',
  'participant_role',
  'create_time',
  'send_time',
  'message_annotation',
  'contain_entities',
  'entity_type',
  'sentiment_analysis',
  'query_text_sentiment',
  'message_id',
  'publish_time',
  'ordering_key',
]);

const knownName = (names: Record<number, string>, value: unknown): unknown =>
  typeof value === 'number' && Object.hasOwn(names, value) ? names[value] : value;

function normalizedPayload(payload: unknown): unknown {
  if (!isObject(payload) || !Object.hasOwn(payload, 'participantRole')) return payload;
  const copy = { ...payload };
  copy['participantRole'] = knownName(ROLE_NAMES, payload['participantRole']);
  return copy;
}

/**
 * What must be stored for an event the decoder accepts: the event's own
 * fields, unaltered but for enum numbers named, and the Pub/Sub attributes.
 * `conversation` is the canonical name the event's conversation maps to.
 */
export function expectedStorage(
  conversation: string,
  event: Record<string, unknown>,
  pubsubMessageId: string,
  attributes?: Record<string, unknown>,
): StoredExpectation {
  const type = knownName(EVENT_TYPE_NAMES, event['type']) as string | number;
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(event)) {
    if (key === 'conversation' || key === 'type') continue;
    defineOwn(rest, key, key === 'newMessagePayload' ? normalizedPayload(event[key]) : event[key]);
  }
  if (attributes && Object.keys(attributes).length > 0) rest['pubsubAttributes'] = attributes;
  const json = (value: Record<string, unknown>) => (Object.keys(value).length > 0 ? sortedJson(value) : undefined);

  if (type === 'NEW_MESSAGE') {
    const { newMessagePayload: payload, ...detail } = rest as { newMessagePayload: Record<string, unknown> };
    const name = String(payload['name']);
    const eventDetailJson = json(detail);
    return {
      conversation,
      message: {
        messageId: name.slice(name.lastIndexOf('/') + 1),
        payloadJson: sortedJson(payload),
        ...(eventDetailJson !== undefined ? { eventDetailJson } : {}),
        ...(payload['participantRole'] !== undefined ? { participantRole: payload['participantRole'] } : {}),
      },
    };
  }
  if (type === 'NEW_RECOGNITION_RESULT') {
    return { conversation, recognition: { pubsubMessageId, payloadJson: sortedJson(rest) } };
  }
  const detailJson = json(rest);
  return { conversation, lifecycle: { pubsubMessageId, type, ...(detailJson !== undefined ? { detailJson } : {}) } };
}

// ---------------------------------------------------------------------------------------------
// Valid events to start from

export function lifecycleBase(conversation: string): JsonObject {
  return {
    conversation,
    type: 'UNRECOVERABLE_ERROR',
    errorStatus: {
      code: 9,
      message: 'no agent available',
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'HOSTILE_SUITE' }],
    },
    futureField: { kept: true },
  };
}

export function messageBase(conversation: string, messageId = 'M1'): JsonObject {
  return {
    conversation,
    type: 'NEW_MESSAGE',
    newMessagePayload: {
      name: `${conversation}/messages/${messageId}`,
      content: `${MARKER} my card number is 4111 1111 1111 1111`,
      languageCode: 'en-US',
      participant: `${conversation}/participants/P1`,
      participantRole: 'END_USER',
      createTime: '2026-11-02T14:03:02.455120Z',
      sendTime: '2026-11-02T14:03:02Z',
      messageAnnotation: { parts: [{ text: MARKER, entityType: 'greeting' }], containEntities: false },
      sentimentAnalysis: { queryTextSentiment: { score: 0.5, magnitude: 0.25 } },
    },
  };
}

export function recognitionBase(conversation: string): JsonObject {
  return {
    conversation,
    type: 'NEW_RECOGNITION_RESULT',
    newRecognitionResultPayload: { messageType: 'TRANSCRIPT', transcript: MARKER, isFinal: true },
  };
}

// ---------------------------------------------------------------------------------------------
// Wrong types everywhere

export type Kind = 'null' | 'number' | 'boolean' | 'array' | 'object' | 'string';
export const KINDS: readonly Kind[] = ['null', 'number', 'boolean', 'array', 'object', 'string'];
export const REPLACEMENTS: Record<Kind, Json> = {
  null: null,
  number: 42,
  boolean: true,
  array: [1, 'two', null],
  object: { hostile: { nested: [1] } },
  string: 'hostile "string" \\ with \'quotes\' and <tags>',
};

interface FieldSpec {
  path: Path;
  /** Kinds the schema accepts at this path: the delivery is then stored. */
  accepts: readonly Kind[];
  code: RejectionCode;
  /** The code when the replacement is a string but not an acceptable one. */
  stringCode?: RejectionCode;
}

const ANY: readonly Kind[] = KINDS;
const ENVELOPE_FIELDS: FieldSpec[] = [
  { path: ['message'], accepts: [], code: 'not_a_push_envelope' },
  { path: ['message', 'data'], accepts: [], code: 'not_a_push_envelope', stringCode: 'data_not_base64' },
  { path: ['message', 'messageId'], accepts: [], code: 'not_a_push_envelope' },
  { path: ['message', 'publishTime'], accepts: [], code: 'not_a_push_envelope' },
  { path: ['message', 'attributes'], accepts: [], code: 'not_a_push_envelope' },
  { path: ['message', 'attributes', 'origin'], accepts: ['string'], code: 'not_a_push_envelope' },
  { path: ['message', 'orderingKey'], accepts: ['string'], code: 'not_a_push_envelope' },
  { path: ['subscription'], accepts: ['string'], code: 'not_a_push_envelope' },
  { path: ['deliveryAttempt'], accepts: ['number'], code: 'not_a_push_envelope' },
];
const EVENT = 'not_a_conversation_event' as const;
const CONVERSATION_FIELD: FieldSpec = { path: ['conversation'], accepts: [], code: EVENT, stringCode: 'invalid_conversation_name' };
const TYPE_FIELD: FieldSpec = { path: ['type'], accepts: ['number', 'string'], code: EVENT };
const LIFECYCLE_FIELDS: FieldSpec[] = [
  CONVERSATION_FIELD,
  TYPE_FIELD,
  { path: ['errorStatus'], accepts: ['object'], code: EVENT },
  { path: ['errorStatus', 'code'], accepts: ['number'], code: EVENT },
  { path: ['errorStatus', 'message'], accepts: ['string'], code: EVENT },
  { path: ['errorStatus', 'details'], accepts: [], code: EVENT },
  { path: ['errorStatus', 'details', 0], accepts: ['object'], code: EVENT },
  { path: ['errorStatus', 'details', 0, '@type'], accepts: ANY, code: EVENT },
  { path: ['futureField'], accepts: ANY, code: EVENT },
];
const P = 'newMessagePayload';
const MESSAGE_FIELDS: FieldSpec[] = [
  CONVERSATION_FIELD,
  TYPE_FIELD,
  { path: [P], accepts: [], code: EVENT },
  { path: [P, 'name'], accepts: [], code: EVENT, stringCode: 'invalid_message' },
  { path: [P, 'content'], accepts: ['string'], code: EVENT },
  { path: [P, 'languageCode'], accepts: ['string'], code: EVENT },
  { path: [P, 'participant'], accepts: ['string'], code: EVENT },
  { path: [P, 'participantRole'], accepts: ['number', 'string'], code: EVENT },
  { path: [P, 'createTime'], accepts: [], code: EVENT, stringCode: 'invalid_timestamp' },
  { path: [P, 'sendTime'], accepts: ['string'], code: EVENT },
  { path: [P, 'messageAnnotation'], accepts: ['object'], code: EVENT },
  { path: [P, 'messageAnnotation', 'parts'], accepts: [], code: EVENT },
  { path: [P, 'messageAnnotation', 'parts', 0], accepts: ['object'], code: EVENT },
  { path: [P, 'messageAnnotation', 'parts', 0, 'text'], accepts: ['string'], code: EVENT },
  { path: [P, 'messageAnnotation', 'parts', 0, 'entityType'], accepts: ['string'], code: EVENT },
  { path: [P, 'messageAnnotation', 'containEntities'], accepts: ['boolean'], code: EVENT },
  { path: [P, 'sentimentAnalysis'], accepts: ['object'], code: EVENT },
  { path: [P, 'sentimentAnalysis', 'queryTextSentiment'], accepts: ['object'], code: EVENT },
  { path: [P, 'sentimentAnalysis', 'queryTextSentiment', 'score'], accepts: ['number'], code: EVENT },
  { path: [P, 'sentimentAnalysis', 'queryTextSentiment', 'magnitude'], accepts: ['number'], code: EVENT },
];
const RECOGNITION_FIELDS: FieldSpec[] = [
  CONVERSATION_FIELD,
  TYPE_FIELD,
  { path: ['newRecognitionResultPayload'], accepts: ['object'], code: EVENT },
  { path: ['newRecognitionResultPayload', 'transcript'], accepts: ANY, code: EVENT },
];

// ---------------------------------------------------------------------------------------------
// Conversation names with path tricks

/** Names that must be refused as conversation names; `{P}` is the corpus's project. */
const NAME_TRICKS: Array<{ what: string; name: string }> = [
  { what: "a '..' conversation id", name: 'projects/{P}/locations/global/conversations/..' },
  { what: "a '.' conversation id", name: 'projects/{P}/locations/global/conversations/.' },
  { what: 'dot segments climbing to the quarantine', name: 'projects/{P}/conversations/../../../quarantine/x' },
  { what: "a '..' location", name: 'projects/{P}/locations/../conversations/x' },
  { what: "a '..' project", name: 'projects/../conversations/x' },
  { what: 'a project climbing out of projects', name: 'projects/../quarantine/x/conversations/y' },
  { what: 'dot segments after the id', name: 'projects/{P}/locations/global/conversations/x/../y' },
  { what: "a '/' inside the id", name: 'projects/{P}/conversations/a/b' },
  { what: 'a percent-encoded slash', name: 'projects/{P}/conversations/a%2Fb' },
  { what: 'percent-encoded dots', name: 'projects/{P}/conversations/%2e%2e' },
  { what: 'double percent-encoded dots', name: 'projects/{P}/conversations/%252e%252e' },
  { what: 'percent-encoded dot segments to the quarantine', name: 'projects/{P}/conversations/..%2F..%2F..%2Fquarantine%2Fx' },
  { what: 'a percent-encoded null byte', name: 'projects/{P}/conversations/x%00' },
  { what: 'a backslash in the id', name: 'projects/{P}/conversations/a\\b' },
  { what: 'backslash dot segments', name: 'projects/{P}/conversations/..\\..\\quarantine' },
  { what: 'backslashes for slashes', name: 'projects\\{P}\\conversations\\x' },
  { what: 'fullwidth letters', name: 'projects/{P}/conversations/ｘ１' },
  { what: 'a Cyrillic look-alike', name: 'projects/{P}/conversations/сonv' },
  { what: 'a division slash look-alike', name: 'projects/{P}/conversations/x∕y' },
  { what: 'a fullwidth solidus look-alike', name: 'projects/{P}/conversations/x／y' },
  { what: 'a two-dot leader look-alike', name: 'projects/{P}/conversations/‥' },
  { what: 'fullwidth full stops', name: 'projects/{P}/conversations/．．' },
  { what: 'a null byte inside the id', name: 'projects/{P}/conversations/x\u0000y' },
  { what: 'a trailing null byte', name: 'projects/{P}/conversations/x\u0000' },
  { what: 'a space inside the id', name: 'projects/{P}/conversations/a b' },
  { what: 'a leading space', name: 'projects/{P}/conversations/ x' },
  { what: 'a trailing newline', name: 'projects/{P}/conversations/x\n' },
  { what: 'a zero-width space', name: 'projects/{P}/conversations/x\u200b' },
  { what: 'a combining accent', name: 'projects/{P}/conversations/x\u0301' },
  { what: 'an emoji id', name: 'projects/{P}/conversations/😀' },
  { what: 'a right-to-left override', name: 'projects/{P}/conversations/x\u202ey' },
  { what: 'an id of 129 characters', name: `projects/{P}/conversations/${'a'.repeat(129)}` },
  { what: 'an id of 1000 characters', name: `projects/{P}/conversations/${'a'.repeat(1000)}` },
  { what: "an id over Firestore's 1500-byte limit", name: `projects/{P}/conversations/${'a'.repeat(1600)}` },
  { what: "a project over Firestore's 1500-byte limit", name: `projects/${'p'.repeat(1600)}/conversations/x` },
  { what: 'an id of 600 multi-byte characters (1800 bytes)', name: `projects/{P}/conversations/${'é'.repeat(600)}` },
  { what: 'a reserved __id__', name: 'projects/{P}/conversations/__x__' },
  { what: 'an id starting with a dot', name: 'projects/{P}/conversations/.x' },
  { what: 'an id starting with a dash', name: 'projects/{P}/conversations/-x' },
  { what: 'a leading slash', name: '/projects/{P}/conversations/x' },
  { what: 'a trailing slash', name: 'projects/{P}/conversations/x/' },
  { what: 'an empty project', name: 'projects//conversations/x' },
  { what: 'an empty id', name: 'projects/{P}/conversations/' },
  { what: 'upper-case PROJECTS', name: 'PROJECTS/{P}/conversations/x' },
  { what: 'a capitalized Conversations', name: 'projects/{P}/Conversations/x' },
  { what: 'a query string', name: 'projects/{P}/conversations/x?y=1' },
  { what: 'a fragment', name: 'projects/{P}/conversations/x#y' },
  { what: 'a message name for a conversation name', name: 'projects/{P}/locations/global/conversations/x/messages/M1' },
  { what: 'a protocol-relative URL', name: '//example.com/projects/{P}/conversations/x' },
  { what: 'a full URL', name: 'https://dialogflow.googleapis.com/v2/projects/{P}/conversations/x' },
  { what: 'the quarantine collection', name: 'quarantine/x' },
  { what: 'an empty name', name: '' },
];

/** Odd but valid names: stored, exactly where the canonical name says. */
const LEGIT_ODD_NAMES: Array<{ what: string; name: string; canonical: string }> = [
  { what: "an id ending in '..'", name: 'projects/{P}/conversations/x..', canonical: 'projects/{P}/locations/global/conversations/x..' },
  { what: "an id ending in '.'", name: 'projects/{P}/conversations/y.', canonical: 'projects/{P}/locations/global/conversations/y.' },
  { what: "a location containing '..'", name: 'projects/{P}/locations/a..b/conversations/z', canonical: 'projects/{P}/locations/a..b/conversations/z' },
  { what: 'an id of exactly 128 characters', name: `projects/{P}/conversations/L${'a'.repeat(127)}`, canonical: `projects/{P}/locations/global/conversations/L${'a'.repeat(127)}` },
  { what: 'every allowed punctuation', name: 'projects/{P}/conversations/x~y:z-1_2.3', canonical: 'projects/{P}/locations/global/conversations/x~y:z-1_2.3' },
];

/**
 * Paths a tricky name could have been turned into by a careless
 * implementation: decoded, normalized, with backslashes or look-alikes
 * mapped, with the implicit location added.
 */
export function aimedPaths(name: string): { documents: string[]; collections: string[] } {
  const variants = new Set<string>();
  const add = (value: string) => {
    variants.add(value);
    const normalized = posix.normalize(value).replace(/^\/+|\/+$/g, '');
    variants.add(normalized);
  };
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  for (const base of [name, decode(name), decode(decode(name)), name.normalize('NFKC')]) {
    add(base);
    add(base.replaceAll('\\', '/'));
    add(base.replaceAll('\u0000', ''));
    add(base.replaceAll('∕', '/').replaceAll('／', '/').replaceAll('‥', '..'));
    add(base.trim());
  }
  for (const value of [...variants]) {
    const short = /^projects\/([^/]+)\/conversations\/(.*)$/.exec(value);
    if (short) add(`projects/${short[1]}/locations/global/conversations/${short[2]}`);
  }
  const documents: string[] = [];
  const collections: string[] = [];
  for (const value of variants) {
    const segments = value.split('/');
    const usable =
      value !== '' &&
      segments.every((segment) => segment !== '' && segment !== '.' && segment !== '..' && !/^__.*__$/.test(segment)) &&
      utf8Bytes(value) <= 1_500;
    // The conversations collections themselves hold legitimate data: the sweep after the run checks them.
    if (!usable || /^projects\/[^/]+\/locations\/[^/]+\/conversations$/.test(value)) continue;
    (segments.length % 2 === 0 ? documents : collections).push(value);
  }
  return { documents, collections };
}

// ---------------------------------------------------------------------------------------------
// The corpus

export function buildIngestCorpus(project: string): IngestCorpus {
  const subscription = `projects/demo-project/subscriptions/hostile-${project}`;
  const cases: IngestCase[] = [];
  const trickNames: string[] = [];
  let counter = 0;

  /** A conversation of its own for one case, and a Pub/Sub message id no other case uses. */
  const fresh = (location = 'global') => {
    counter += 1;
    const id = `h${counter}`;
    return {
      id,
      name: `projects/${project}/locations/${location}/conversations/${id}`,
      shortName: `projects/${project}/conversations/${id}`,
      pubsubId: `${project}.${counter}`,
    };
  };
  const envelopeOf = (data: string, pubsubId: string, message: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
    message: { data, messageId: pubsubId, publishTime: PUBLISH_TIME, ...message },
    subscription,
    ...top,
  });
  const text = (value: unknown) => JSON.stringify(value);
  const rejected = (...codes: RejectionCode[]): IngestExpectation => ({ outcome: 'rejected', codes });
  const anyRejection: IngestExpectation = { outcome: 'rejected', codes: ALL_CODES };
  const refused = (status: number): IngestExpectation => ({ outcome: 'refused', status });
  const stored = (conversation: string, event: Record<string, unknown>, pubsubId: string, attributes?: Record<string, unknown>): IngestExpectation => ({
    outcome: 'stored',
    stored: expectedStorage(conversation, event, pubsubId, attributes),
  });
  const push = (group: string, name: string, rest: Omit<IngestCase, 'group' | 'name'>) => cases.push({ group, name, ...rest });

  /** A delivery of `event` (sent as JSON) for a fresh conversation, expected stored faithfully. */
  const storedEvent = (group: string, name: string, build: (conversation: string) => Record<string, unknown>, location = 'global') => {
    const c = fresh(location);
    const event = build(c.name);
    push(group, name, {
      body: text(envelopeOf(base64(text(event)), c.pubsubId)),
      expected: stored(c.name, event, c.pubsubId),
      conversation: c.name,
    });
  };
  /** A delivery whose `data` is these bytes or this text, expected quarantined. */
  const rejectedData = (group: string, name: string, data: string | Uint8Array, codes: RejectionCode[], extra: Partial<IngestCase> = {}) => {
    const c = fresh();
    push(group, name, { body: text(envelopeOf(base64(data), c.pubsubId)), expected: rejected(...codes), ...extra });
  };

  // -- Wrong types everywhere: each field path of a valid envelope and event, replaced by each JSON kind.
  const wrongType = (group: string, baseOf: (conversation: string) => JsonObject, fields: FieldSpec[], target: 'event' | 'envelope') => {
    for (const field of fields) {
      for (const kind of KINDS) {
        const c = fresh();
        const event = baseOf(c.name);
        const attributes = { origin: 'hostile-suite' };
        const envelope = envelopeOf(base64(text(event)), c.pubsubId, { attributes, orderingKey: 'key-1' }, { deliveryAttempt: 1 });
        const replacement = REPLACEMENTS[kind];
        const label = `${field.path.join('.')} as ${kind}`;
        let body: unknown;
        let expected: IngestExpectation;
        if (target === 'envelope') {
          body = replaceAt(envelope, field.path, replacement);
          const sentAttributes = field.path.join('.') === 'message.attributes.origin' ? { origin: replacement } : attributes;
          expected = field.accepts.includes(kind) ? stored(c.name, event, c.pubsubId, sentAttributes) : rejected(kind === 'string' ? (field.stringCode ?? field.code) : field.code);
        } else {
          const mutated = replaceAt(event, field.path, replacement);
          body = replaceAt(envelope, ['message', 'data'], base64(text(mutated)));
          expected = field.accepts.includes(kind)
            ? stored(c.name, mutated, c.pubsubId, attributes)
            : rejected(kind === 'string' ? (field.stringCode ?? field.code) : field.code);
        }
        push(group, label, { body: text(body), expected, conversation: c.name });
      }
    }
  };
  wrongType('wrong type in the envelope', (name) => ({ conversation: name, type: 'CONVERSATION_STARTED' }), ENVELOPE_FIELDS, 'envelope');
  wrongType('wrong type in a lifecycle event', lifecycleBase, LIFECYCLE_FIELDS, 'event');
  wrongType('wrong type in a message event', (name) => messageBase(name), MESSAGE_FIELDS, 'event');
  wrongType('wrong type in a recognition event', recognitionBase, RECOGNITION_FIELDS, 'event');

  // -- Truncated JSON at many cut points.
  {
    const c = fresh();
    const eventText = text(messageBase(c.name));
    for (let cut = 0; cut < eventText.length; cut += Math.ceil(eventText.length / 40)) {
      rejectedData('truncated JSON', `event JSON cut after ${cut} of ${eventText.length} characters`, eventText.slice(0, cut), ['data_not_json']);
    }
    const d = fresh();
    // Unpadded, since unpadded base64 is accepted: every cut below removes data, not just padding.
    const dataText = base64(text(messageBase(d.name))).replace(/=+$/, '');
    for (const cut of [1, 2, 3, 5, 6, 7, 50, 101, 202, 303, dataText.length - 1, dataText.length - 2, dataText.length - 3]) {
      const e = fresh();
      push('truncated JSON', `base64 data cut after ${cut} of ${dataText.length} characters`, {
        body: text(envelopeOf(dataText.slice(0, cut), e.pubsubId)),
        expected: rejected('data_not_base64', 'data_not_json', 'data_not_utf8'),
      });
    }
    const f = fresh();
    const bodyText = text(envelopeOf(base64(text(messageBase(f.name))), f.pubsubId));
    for (const cut of [1, 2, 10, 11, 12, 40, 100, 250, 400, bodyText.length - 20, bodyText.length - 2, bodyText.length - 1]) {
      // The Functions Framework's body parser refuses a body that is not JSON (docs/reliability.md).
      push('truncated JSON', `push body cut after ${cut} of ${bodyText.length} characters`, { body: bodyText.slice(0, cut), expected: refused(400), conversation: f.name });
    }
    push('truncated JSON', 'push body cut to nothing', { body: '', expected: refused(400), conversation: f.name });
  }

  // -- Huge strings, within the body cap and just over it.
  {
    storedEvent('huge', 'a message content of 600 000 characters', (name) => withPayloadField(messageBase(name), 'content', `${MARKER}${'c'.repeat(600_000)}`));
    storedEvent('huge', 'a message content of 100 000 emoji', (name) => ({
      ...messageBase(name),
      newMessagePayload: { ...(messageBase(name)['newMessagePayload'] as JsonObject), content: `${MARKER}${'😀'.repeat(100_000)}` },
    }));
    storedEvent('huge', 'a recognition transcript of 500 000 characters', (name) => ({
      ...recognitionBase(name),
      newRecognitionResultPayload: { transcript: `${MARKER}${'t'.repeat(500_000)}`, isFinal: true },
    }));
    storedEvent('huge', 'a message with 40 000 unknown keys', (name) => {
      const event = messageBase(name);
      const payload = event['newMessagePayload'] as JsonObject;
      payload['futureMap'] = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`k${i}`, i]));
      return event;
    });
    const bigLifecycle = fresh();
    rejectedData('huge', 'a lifecycle event with an unknown field of 600 000 characters', text({ ...lifecycleBase(bigLifecycle.name), futureField: 'x'.repeat(600_000) }), ['too_large'], { conversation: bigLifecycle.name });
    const bigError = fresh();
    rejectedData('huge', 'an error status message of 9 000 characters', text({ ...lifecycleBase(bigError.name), errorStatus: { message: 'e'.repeat(9_000) } }), ['too_large'], { conversation: bigError.name });
    for (const [what, event] of [
      ['a lifecycle event', (name: string) => ({ conversation: name, type: 'CONVERSATION_STARTED' })],
      ['a message event', (name: string) => messageBase(name)],
    ] as const) {
      const c = fresh();
      push('huge', `an attribute of 500 000 characters on ${what}`, {
        body: text(envelopeOf(base64(text(event(c.name))), c.pubsubId, { attributes: { big: 'a'.repeat(500_000) } })),
        expected: rejected('too_large'),
        conversation: c.name,
      });
    }
    const expansion = fresh();
    // '1e20' is 4 bytes as received and 21 once stored: the stored JSON outgrows the 1 000 000 bytes a message may
    // take, with fewer numbers than the 50 000 values a payload may hold (MAX_JSON_VALUES).
    rejectedData('huge', 'a message whose numbers expand past the storable size', text(withPayloadField(messageBase(expansion.name), 'futureNumbers', null)).replace('"futureNumbers":null', `"futureNumbers":[${Array(47_000).fill('1e20').join(',')}]`), ['too_large'], { conversation: expansion.name });
    const nearLimit = fresh();
    const nearEvent = withPayloadField(messageBase(nearLimit.name), 'futureNumbers', Array(45_000).fill(1e20));
    push('huge', 'a message whose numbers expand to just under the storable size', {
      body: text(envelopeOf(base64(text(nearEvent).replaceAll('100000000000000000000', '1e20')), nearLimit.pubsubId)),
      expected: stored(nearLimit.name, nearEvent, nearLimit.pubsubId),
      conversation: nearLimit.name,
    });
    for (const [field, length] of [
      ['subscription', 513],
      ['messageId', 100_000],
      ['publishTime', 100_000],
    ] as const) {
      const c = fresh();
      const envelope = envelopeOf(base64(text({ conversation: c.name, type: 1 })), c.pubsubId);
      const body = field === 'subscription' ? { ...envelope, subscription: 's'.repeat(length) } : replaceAt(envelope, ['message', field], '1'.repeat(length));
      push('huge', `a ${field} of ${length} characters`, { body: text(body), expected: rejected('not_a_push_envelope'), conversation: c.name });
    }
    const longType = fresh();
    rejectedData('huge', 'an event type of 100 000 characters', text({ conversation: longType.name, type: 'T'.repeat(100_000) }), ['not_a_conversation_event'], { conversation: longType.name });
    const longName = fresh();
    rejectedData('huge', 'a message name of 2 000 characters', text(withPayloadField(messageBase(longName.name), 'name', `${longName.name}/messages/${'m'.repeat(2_000)}`)), ['not_a_conversation_event'], { conversation: longName.name });

    const atCap = fresh();
    const capEvent = { conversation: atCap.name, type: 'CONVERSATION_STARTED' };
    push('huge', `a body of exactly ${BODY_CAP} bytes`, {
      body: padTo(envelopeOf(base64(text(capEvent)), atCap.pubsubId), BODY_CAP),
      expected: stored(atCap.name, capEvent, atCap.pubsubId),
      conversation: atCap.name,
    });
    for (const size of [BODY_CAP + 1, BODY_CAP + 1_000, 5_000_000]) {
      const over = fresh();
      push('huge', `a body of ${size} bytes`, {
        body: padTo(envelopeOf(base64(text({ conversation: over.name, type: 1 })), over.pubsubId), size),
        expected: refused(400),
        conversation: over.name,
      });
    }
  }

  // -- Deep nesting, objects and arrays, in the event and in the envelope.
  {
    const deepObject = (levels: number): Json => (levels === 0 ? {} : { a: deepObject(levels - 1) });
    const deepArrayText = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const deepObjectText = (levels: number) => `${'{"a":'.repeat(levels)}{}${'}'.repeat(levels)}`;
    // The event is level 0 and its fields level 1; the deepest value kept is at level 63 (MAX_JSON_DEPTH 64).
    storedEvent('deep', 'an unknown event field of objects nested down to level 63', (name) => ({ conversation: name, type: 1, deep: deepObject(62) }));
    storedEvent('deep', 'an unknown message field of objects nested down to level 63', (name) => withPayloadField(messageBase(name), 'deep', deepObject(61)));
    for (const [what, fieldText] of [
      ['objects nested down to level 64', deepObjectText(63)],
      ['arrays nested down to level 64', deepArrayText(64)],
      ['objects nested 50 000 levels deep', deepObjectText(50_000)],
      ['arrays nested 100 000 levels deep', deepArrayText(100_000)],
    ] as const) {
      const c = fresh();
      rejectedData('deep', `an event field of ${what}`, `{"conversation":"${c.name}","type":1,"deep":${fieldText}}`, ['unsafe_json'], { conversation: c.name });
    }
    const inMessage = fresh();
    rejectedData('deep', 'a message field of arrays nested 70 levels deep', text(messageBase(inMessage.name)).replace('"languageCode"', `"deep":${deepArrayText(70)},"languageCode"`), ['unsafe_json'], { conversation: inMessage.name });
    const ignored = fresh();
    const ignoredEvent = { conversation: ignored.name, type: 'CONVERSATION_STARTED' };
    push('deep', 'an unknown envelope field nested 50 000 levels deep (not part of the event)', {
      body: text(envelopeOf(base64(text(ignoredEvent)), ignored.pubsubId)).replace(/}$/, `,"deep":${deepArrayText(50_000)}}`),
      // The whole body is bounded in depth before any schema reads it; Pub/Sub never sends such an envelope.
      expected: rejected('not_a_push_envelope'),
      conversation: ignored.name,
    });
    const attributes = fresh();
    push('deep', 'attributes nested 50 000 levels deep', {
      body: text(envelopeOf(base64(text({ conversation: attributes.name, type: 1 })), attributes.pubsubId)).replace('"messageId"', `"attributes":${deepObjectText(50_000)},"messageId"`),
      expected: rejected('not_a_push_envelope'),
      conversation: attributes.name,
    });
    for (const [camel, snake] of [
      ['messageId', 'message_id'],
      ['publishTime', 'publish_time'],
      ['orderingKey', 'ordering_key'],
    ] as const) {
      const c = fresh();
      const envelope = envelopeOf(base64(text({ conversation: c.name, type: 1 })), c.pubsubId) as { message: Record<string, unknown> };
      const message = { ...envelope.message, [camel]: '<deep>', [snake]: '<deep>' };
      push('deep', `${camel} and ${snake} both nested 20 000 levels deep`, {
        body: text({ ...envelope, message }).replaceAll('"<deep>"', deepArrayText(20_000)),
        expected: rejected('not_a_push_envelope'),
        conversation: c.name,
        bug: 'quarantined (200, not_a_push_envelope); comparing the two spellings recurses once per level (canonicalJson in protoObject) and overflows the stack: RangeError, answered 500, so Pub/Sub redelivers the poison message until it is dead-lettered',
      });
    }
  }

  // -- Invalid UTF-8 inside data, and other encodings.
  {
    const invalid: Array<[string, number[]]> = [
      ['a lone continuation byte', [0x80]],
      ['an overlong slash', [0xc0, 0xaf]],
      ['an overlong NUL', [0xe0, 0x80, 0x80]],
      ['an encoded UTF-16 surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
      ['a truncated three-byte sequence', [0xe2, 0x82]],
      ['a truncated four-byte sequence', [0xf0, 0x9f, 0x98]],
      ['the byte 0xFF', [0xff]],
      ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
      ['a five-byte sequence', [0xf8, 0x88, 0x80, 0x80, 0x80]],
      ['Latin-1 é', [0xe9]],
    ];
    for (const [what, bytes] of invalid) {
      const c = fresh();
      const event = text(messageBase(c.name));
      const at = event.indexOf(MARKER);
      const data = Buffer.concat([Buffer.from(event.slice(0, at)), Buffer.from(bytes), Buffer.from(event.slice(at))]);
      rejectedData('invalid UTF-8', `data with ${what} inside the content`, data, ['data_not_utf8'], { conversation: c.name });
    }
    const utf16 = fresh();
    rejectedData('invalid UTF-8', 'data encoded as UTF-16LE with a byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text({ conversation: utf16.name, type: 1 }), 'utf16le')]), ['data_not_utf8'], { conversation: utf16.name });
    const nul = fresh();
    rejectedData('invalid UTF-8', 'data with a raw NUL inside a JSON string', `{"conversation":"${nul.name}","type":1,"x":"a\u0000b"}`, ['data_not_json'], { conversation: nul.name });
    const bom = fresh();
    const bomEvent = { conversation: bom.name, type: 'CONVERSATION_STARTED' };
    push('invalid UTF-8', 'data starting with a UTF-8 byte order mark (not part of the JSON)', {
      body: text(envelopeOf(base64(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text(bomEvent))])), bom.pubsubId)),
      expected: stored(bom.name, bomEvent, bom.pubsubId),
      conversation: bom.name,
    });
    // JSON escapes of lone surrogates are valid JSON; inside stored JSON text they survive as escapes.
    storedEvent('invalid UTF-8', 'a content with escaped lone surrogates', (name) => withPayloadField(messageBase(name), 'content', `${MARKER} \ud800 \udfff \ud83d`));
    storedEvent('invalid UTF-8', 'an unknown key with an escaped lone surrogate', (name) => ({ conversation: name, type: 1, ['k\udc00']: 'v' }));
    const surrogateType = fresh();
    rejectedData('invalid UTF-8', 'an event type that is an escaped lone surrogate', text({ conversation: surrogateType.name, type: '\ud800' }), ALL_CODES.slice(), {
      conversation: surrogateType.name,
      bug: "quarantined (200) with its reason; the type is written as a Firestore string, which must be valid UTF-8: the write fails ('not valid for encoding utf-8') and is answered 503 on every redelivery",
    });
    const surrogateRole = fresh();
    rejectedData('invalid UTF-8', 'a participant role that is an escaped lone surrogate', text(withPayloadField(messageBase(surrogateRole.name), 'participantRole', '\udfff')), ALL_CODES.slice(), {
      conversation: surrogateRole.name,
      bug: 'quarantined (200) with its reason; participantRole is written as a Firestore string: the message write fails and is answered 503 on every redelivery (after the conversation document was already created)',
    });
    const surrogateId = fresh();
    push('invalid UTF-8', 'a Pub/Sub messageId that is an escaped lone surrogate', {
      body: text(envelopeOf(base64(text({ conversation: surrogateId.name, type: 1 })), '\ud800')),
      expected: rejected('not_a_push_envelope'),
      conversation: surrogateId.name,
      bug: 'quarantined (200, not_a_push_envelope); the quarantine record keeps the messageId as a Firestore string, which must be valid UTF-8: the quarantine write fails, answered 503 on every redelivery',
    });
    // Invalid UTF-8 in the HTTP body itself, outside data.
    const inData = fresh();
    const rawInData = Buffer.from(text(envelopeOf('eyJh<bad>Ijox fQ==', inData.pubsubId)));
    push('invalid UTF-8', 'invalid UTF-8 bytes inside the data string of the push body', {
      body: replaceBytes(rawInData, '<bad>', [0xff, 0xfe]),
      // The body itself is not UTF-8: refused as a whole before its data is read.
      expected: rejected('not_a_push_envelope', 'data_not_base64'),
    });
    const inAttribute = fresh();
    const attributeEvent = { conversation: inAttribute.name, type: 'CONVERSATION_STARTED' };
    push('invalid UTF-8', 'invalid UTF-8 bytes inside an attribute value of the push body', {
      body: replaceBytes(Buffer.from(text(envelopeOf(base64(text(attributeEvent)), inAttribute.pubsubId, { attributes: { origin: 'a<bad>b' } }))), '<bad>', [0xff, 0xfe]),
      expected: anyRejection,
      conversation: inAttribute.name,
      bug: 'quarantined (or refused 400) with its reason; the body parser replaces the invalid bytes by U+FFFD and the attribute is stored silently altered',
    });
  }

  // -- base64 variants.
  {
    const variants: Array<{ what: string; encode: (bytes: Buffer) => string; stored: boolean; codes?: RejectionCode[] }> = [
      { what: 'standard base64, padded', encode: (b) => b.toString('base64'), stored: true },
      { what: 'url-safe base64, padded', encode: (b) => b.toString('base64').replaceAll('+', '-').replaceAll('/', '_'), stored: true },
      { what: 'standard base64, unpadded', encode: (b) => b.toString('base64').replace(/=+$/, ''), stored: true },
      { what: 'url-safe base64, unpadded', encode: (b) => b.toString('base64url'), stored: true },
      { what: 'base64 with a line break every 76 characters', encode: (b) => b.toString('base64').replace(/(.{76})/g, '$1\n'), stored: false, codes: ['data_not_base64'] },
      { what: 'base64 with CRLF line breaks', encode: (b) => b.toString('base64').replace(/(.{76})/g, '$1\r\n'), stored: false, codes: ['data_not_base64'] },
      { what: 'base64 with spaces', encode: (b) => b.toString('base64').replace(/(.{8})/g, '$1 '), stored: false, codes: ['data_not_base64'] },
      { what: 'base64 with a trailing newline', encode: (b) => `${b.toString('base64')}\n`, stored: false, codes: ['data_not_base64'] },
      { what: 'base64 with a leading tab', encode: (b) => `\t${b.toString('base64')}`, stored: false, codes: ['data_not_base64'] },
      { what: "base64 with a '!' inside", encode: (b) => `${b.toString('base64').slice(0, 8)}!${b.toString('base64').slice(8)}`, stored: false, codes: ['data_not_base64'] },
      { what: "base64 with a '.' inside", encode: (b) => `${b.toString('base64').slice(0, 8)}.${b.toString('base64').slice(8)}`, stored: false, codes: ['data_not_base64'] },
      { what: 'base64 with a non-ASCII letter inside', encode: (b) => `${b.toString('base64').slice(0, 8)}é${b.toString('base64').slice(8)}`, stored: false, codes: ['data_not_base64'] },
      { what: 'base64 with padding in the middle', encode: (b) => `${b.toString('base64').slice(0, 6)}==${b.toString('base64').slice(6)}`, stored: false, codes: ['data_not_base64'] },
      { what: 'base64 with three padding characters', encode: (b) => `${b.toString('base64').replace(/=+$/, '')}===`, stored: false, codes: ['data_not_base64'] },
      { what: 'base64 mixing both alphabets', encode: (b) => `-+${b.toString('base64').slice(2)}`, stored: false, codes: ['data_not_base64'] },
      { what: 'percent-encoded base64', encode: (b) => encodeURIComponent(b.toString('base64')).replace(/=/g, '%3D'), stored: false, codes: ['data_not_base64'] },
      { what: 'base64 encoded twice', encode: (b) => Buffer.from(b.toString('base64')).toString('base64'), stored: false, codes: ['data_not_json'] },
    ];
    for (const variant of variants) {
      const c = fresh();
      // Content chosen so that standard base64 holds both '+' and '/'.
      // Runs of five '~' and five '?' put '+' and '/' in standard base64 whatever their alignment.
      const event = withPayloadField(messageBase(c.name), 'content', `${MARKER} ~~~~~ ?????`);
      const data = variant.encode(Buffer.from(text(event)));
      push('base64', variant.what, {
        body: text(envelopeOf(data, c.pubsubId)),
        expected: variant.stored ? stored(c.name, event, c.pubsubId) : rejected(...variant.codes!),
        conversation: c.name,
      });
    }
    for (const [what, data, codes] of [
      ['empty data', '', ['data_not_json']],
      ['data that is only padding', '====', ['data_not_base64']],
      ['data of impossible length', 'eyJhIjox1', ['data_not_base64']],
      ['a single base64 character', 'e', ['data_not_base64']],
      ['base64 of JSON null', base64('null'), ['not_a_conversation_event']],
      ['base64 of a JSON string', base64('"projects/p/conversations/c"'), ['not_a_conversation_event']],
      ['base64 of a JSON number too large for a double', base64('1e400'), ['not_a_conversation_event', 'unsafe_json']],
      ['base64 of whitespace', base64(' \n\t '), ['data_not_json']],
    ] as const) {
      const c = fresh();
      push('base64', what, { body: text(envelopeOf(data, c.pubsubId)), expected: rejected(...codes) });
    }
    const nonCanonical = fresh();
    // Padded so that the encoding ends in '=': only then has its last character unused bits.
    const ncEvent = [0, 1, 2]
      .map((length) => ({ conversation: nonCanonical.name, type: 'CONVERSATION_STARTED', pad: 'p'.repeat(length) }))
      .find((event) => base64(text(event)).endsWith('='))!;
    const ncData = base64(text(ncEvent));
    push('base64', 'base64 whose last character carries non-zero padding bits', {
      body: text(envelopeOf(withNonZeroPaddingBits(ncData), nonCanonical.pubsubId)),
      expected: stored(nonCanonical.name, ncEvent, nonCanonical.pubsubId),
      conversation: nonCanonical.name,
    });
  }

  // -- Prototype-pollution keys at every level.
  {
    const POLLUTING = ['__proto__', 'constructor', 'prototype'] as const;
    const containers: Array<{ what: string; base: (conversation: string) => JsonObject; path: Path }> = [
      { what: 'a message event', base: (name) => messageBase(name), path: [] },
      { what: 'newMessagePayload', base: (name) => messageBase(name), path: [P] },
      { what: 'messageAnnotation', base: (name) => messageBase(name), path: [P, 'messageAnnotation'] },
      { what: 'an annotation part', base: (name) => messageBase(name), path: [P, 'messageAnnotation', 'parts', 0] },
      { what: 'sentimentAnalysis', base: (name) => messageBase(name), path: [P, 'sentimentAnalysis'] },
      { what: 'queryTextSentiment', base: (name) => messageBase(name), path: [P, 'sentimentAnalysis', 'queryTextSentiment'] },
      { what: 'a lifecycle event', base: lifecycleBase, path: [] },
      { what: 'errorStatus', base: lifecycleBase, path: ['errorStatus'] },
      { what: 'an error detail', base: lifecycleBase, path: ['errorStatus', 'details', 0] },
      { what: 'newRecognitionResultPayload', base: recognitionBase, path: ['newRecognitionResultPayload'] },
    ];
    for (const container of containers) {
      for (const key of POLLUTING) {
        const c = fresh();
        const event = insertAt(container.base(c.name), container.path, key, { polluted: true });
        push('prototype keys', `a '${key}' key in ${container.what}`, {
          body: text(envelopeOf(base64(text(event)), c.pubsubId)),
          // '__proto__' cannot be kept faithfully by JavaScript copies: refused. The others are ordinary data.
          expected: key === '__proto__' ? rejected('unsafe_json') : stored(c.name, event, c.pubsubId),
          conversation: c.name,
        });
      }
    }
    const inArray = fresh();
    rejectedData('prototype keys', "a '__proto__' key inside an array", `{"conversation":"${inArray.name}","type":1,"list":[1,{"ok":[{"__proto__":{"polluted":true}}]}]}`, ['unsafe_json'], { conversation: inArray.name });
    const escaped = fresh();
    rejectedData('prototype keys', "a '__proto__' key spelled with a unicode escape", `{"conversation":"${escaped.name}","type":1,"\\u005f_proto__":{"polluted":true}}`, ['unsafe_json'], { conversation: escaped.name });
    storedEvent('prototype keys', "'constructor.prototype' nested as data", (name) => ({ conversation: name, type: 1, constructor: { prototype: { polluted: true } } }));

    // In the envelope: other unknown fields are ignored, but a '__proto__' key anywhere in the body is refused
    // (the whole push body is checked before any schema reads it, so no copy can drop or misapply it).
    for (const [where, path] of [
      ['the envelope', []],
      ['the Pub/Sub message', ['message']],
    ] as const) {
      for (const key of POLLUTING) {
        const c = fresh();
        const event = { conversation: c.name, type: 'CONVERSATION_STARTED' };
        push('prototype keys', `a '${key}' key in ${where}`, {
          body: text(insertAt(envelopeOf(base64(text(event)), c.pubsubId), [...path], key, { attributes: { polluted: 'yes' }, polluted: true })),
          expected: key === '__proto__' ? rejected('not_a_push_envelope') : stored(c.name, event, c.pubsubId),
          conversation: c.name,
        });
      }
    }
    for (const key of POLLUTING) {
      const c = fresh();
      const event = { conversation: c.name, type: 'CONVERSATION_STARTED' };
      const attributes = insertAt({ origin: 'hostile-suite' }, [], key, 'polluted');
      push('prototype keys', `a '${key}' Pub/Sub attribute`, {
        body: text(envelopeOf(base64(text(event)), c.pubsubId, { attributes })),
        expected: key === '__proto__' ? anyRejection : stored(c.name, event, c.pubsubId, attributes),
        conversation: c.name,
        ...(key === '__proto__'
          ? { bug: "quarantined with its reason, as a '__proto__' key in the event is; the attributes schema drops it and the event is stored with its attributes silently altered" }
          : {}),
      });
    }
    const objectAttribute = fresh();
    const objectAttributeEvent = { conversation: objectAttribute.name, type: 'CONVERSATION_STARTED' };
    push('prototype keys', "a '__proto__' Pub/Sub attribute whose value is an object", {
      body: text(envelopeOf(base64(text(objectAttributeEvent)), objectAttribute.pubsubId, { attributes: insertAt({ origin: 'hostile-suite' }, [], '__proto__', { polluted: 'yes' }) })),
      expected: rejected('not_a_push_envelope', 'unsafe_json'),
      conversation: objectAttribute.name,
      bug: "quarantined: attributes are strings, and '__proto__' is refused; the attributes schema skips the key, so its non-string value passes and the event is stored with the attribute silently dropped",
    });
  }

  // -- Conversation names with path tricks.
  {
    for (const trick of NAME_TRICKS) {
      const name = trick.name.replaceAll('{P}', project);
      trickNames.push(name);
      // Names over the schema's 1024 characters (or empty) fail the schema before the name is parsed.
      const schemaCode = (...names: string[]): RejectionCode[] =>
        name.length === 0 || names.some((text) => text.length > 1_024) ? ['not_a_conversation_event'] : ['invalid_conversation_name'];
      const aimed = aimedPaths(name);
      const lifecycle = fresh();
      push('conversation name tricks', `a lifecycle event for ${trick.what}`, {
        body: text(envelopeOf(base64(text({ conversation: name, type: 'CONVERSATION_STARTED' })), lifecycle.pubsubId)),
        expected: rejected(...schemaCode(name)),
        mustNotExist: aimed.documents,
        mustStayEmpty: aimed.collections,
      });
      const message = fresh();
      push('conversation name tricks', `a message event for ${trick.what}`, {
        body: text(envelopeOf(base64(text(messageBase(name))), message.pubsubId)),
        expected: rejected(...schemaCode(name, `${name}/messages/M1`)),
        mustNotExist: [...aimed.documents, ...aimed.documents.map((document) => `${document}/messages/M1`)],
        mustStayEmpty: aimed.collections,
      });
    }
    for (const odd of LEGIT_ODD_NAMES) {
      const name = odd.name.replaceAll('{P}', project);
      const canonical = odd.canonical.replaceAll('{P}', project);
      const c = fresh();
      const event = messageBase(name);
      push('conversation name tricks', `a message event for ${odd.what} (a valid name)`, {
        body: text(envelopeOf(base64(text(event)), c.pubsubId)),
        expected: stored(canonical, event, c.pubsubId),
        conversation: canonical,
      });
    }
    const quarantineProject = fresh();
    const qName = `projects/quarantine/conversations/${project}-${quarantineProject.id}`;
    const qEvent = { conversation: qName, type: 'CONVERSATION_STARTED' };
    push('conversation name tricks', "a conversation of a project named 'quarantine' (stored under projects/)", {
      body: text(envelopeOf(base64(text(qEvent)), quarantineProject.pubsubId)),
      expected: stored(`projects/quarantine/locations/global/conversations/${project}-${quarantineProject.id}`, qEvent, quarantineProject.pubsubId),
      conversation: `projects/quarantine/locations/global/conversations/${project}-${quarantineProject.id}`,
      mustNotExist: [`quarantine/${project}-${quarantineProject.id}`, `quarantine/conversations`],
    });
  }

  // -- Message names with tricks, and messages of another conversation than the event's.
  {
    const other = fresh();
    const messageTricks: Array<{ what: string; name: (conversation: string, id: string) => string; codes: RejectionCode[] }> = [
      { what: "a '..' message id", name: (c) => `${c}/messages/..`, codes: ['invalid_message'] },
      { what: "a '.' message id", name: (c) => `${c}/messages/.`, codes: ['invalid_message'] },
      { what: 'a percent-encoded slash in the message id', name: (c) => `${c}/messages/a%2Fb`, codes: ['invalid_message'] },
      { what: "a '/' in the message id", name: (c) => `${c}/messages/a/b`, codes: ['invalid_message'] },
      { what: 'an empty message id', name: (c) => `${c}/messages/`, codes: ['invalid_message'] },
      { what: 'a null byte in the message id', name: (c) => `${c}/messages/M1\u0000`, codes: ['invalid_message'] },
      { what: 'a fullwidth message id', name: (c) => `${c}/messages/Ｍ１`, codes: ['invalid_message'] },
      { what: 'a message id of 129 characters', name: (c) => `${c}/messages/${'m'.repeat(129)}`, codes: ['invalid_message'] },
      { what: "a message id over Firestore's 1500-byte limit", name: (c) => `${c}/messages/${'m'.repeat(1_600)}`, codes: ['not_a_conversation_event'] },
      { what: 'dot segments into another conversation', name: (c) => `${c}/../${other.id}/messages/M1`, codes: ['invalid_message'] },
      { what: 'a reserved __id__ message id', name: (c) => `${c}/messages/__M1__`, codes: ['invalid_message'] },
      { what: 'a message of another conversation', name: () => `${other.name}/messages/M1`, codes: ['message_of_other_conversation'] },
      { what: 'a message of another conversation in short form', name: () => `${other.shortName}/messages/M1`, codes: ['message_of_other_conversation'] },
      { what: 'a message of the same id in another location', name: (_c, id) => `projects/${project}/locations/europe-west1/conversations/${id}/messages/M1`, codes: ['message_of_other_conversation'] },
      { what: 'a message of the same id in another project', name: (_c, id) => `projects/${project}x/locations/global/conversations/${id}/messages/M1`, codes: ['message_of_other_conversation'] },
      { what: 'a message of a conversation whose id extends this one', name: (_c, id) => `projects/${project}/locations/global/conversations/${id}x/messages/M1`, codes: ['message_of_other_conversation'] },
    ];
    for (const trick of messageTricks) {
      const c = fresh();
      const event = withPayloadField(messageBase(c.name), 'name', trick.name(c.name, c.id));
      push('message name tricks', `a message with ${trick.what}`, {
        body: text(envelopeOf(base64(text(event)), c.pubsubId)),
        expected: rejected(...trick.codes),
        conversation: c.name,
        mustNotExist: [`${other.name}/messages/M1`, `projects/${project}/locations/europe-west1/conversations/${c.id}`, `projects/${project}x/locations/global/conversations/${c.id}`, `${c.name}x`],
      });
    }
    const shortForm = fresh();
    const shortEvent = withPayloadField(messageBase(shortForm.name), 'name', `${shortForm.shortName}/messages/M1`);
    push('message name tricks', 'a message named in short form for an event named with its location (the same conversation)', {
      body: text(envelopeOf(base64(text(shortEvent)), shortForm.pubsubId)),
      expected: stored(shortForm.name, shortEvent, shortForm.pubsubId),
      conversation: shortForm.name,
    });
  }

  // -- Numbers JSON can write but a double cannot hold.
  {
    for (const [what, literal] of [
      ['1e400 in an unknown event field', '1e400'],
      ['-1e400 in an unknown event field', '-1e400'],
    ] as const) {
      const c = fresh();
      rejectedData('numbers', what, `{"conversation":"${c.name}","type":"CONVERSATION_STARTED","futureNumber":${literal}}`, ALL_CODES.slice(), {
        conversation: c.name,
        bug: `stored exactly as received or quarantined with a reason; JSON.parse turns ${literal} into ${literal.startsWith('-') ? '-' : ''}Infinity, which the stored JSON writes as null: silently altered`,
      });
    }
    const inMessage = fresh();
    rejectedData('numbers', '1e400 in an unknown message field', text(withPayloadField(messageBase(inMessage.name), 'futureNumber', 0)).replace('"futureNumber":0', '"futureNumber":1e400'), ALL_CODES.slice(), {
      conversation: inMessage.name,
      bug: 'stored exactly as received or quarantined with a reason; the stored payloadJson has null where the message had 1e400: silently altered',
    });
    const score = fresh();
    rejectedData('numbers', '1e400 as a sentiment score', text(messageBase(score.name)).replace('"score":0.5', '"score":1e400'), ['not_a_conversation_event', 'unsafe_json'], { conversation: score.name });
    const type = fresh();
    rejectedData('numbers', 'an event type past 2^53', `{"conversation":"${type.name}","type":9007199254740993}`, ['not_a_conversation_event'], { conversation: type.name });
    const attempt = fresh();
    push('numbers', 'a deliveryAttempt of 1e400', {
      body: text(envelopeOf(base64(text({ conversation: attempt.name, type: 1 })), attempt.pubsubId, {}, { deliveryAttempt: 0 })).replace('"deliveryAttempt":0', '"deliveryAttempt":1e400'),
      expected: rejected('not_a_push_envelope'),
      conversation: attempt.name,
    });
  }

  // -- Bytes that expand into many values: `{}` is 3 bytes of JSON, 2 of protobuf (test/unit/domain/decodeCost.test.ts
  // holds their CPU time under 0.5 s; unbounded, 340 000 parts took 0.8-1.7 s before they were refused).
  {
    const emptyParts = (count: number) => Array.from({ length: count }, () => ({}));
    const protoParts = fresh();
    const protoEvent = encodeOfficially('v2', { conversation: protoParts.name, type: 'NEW_MESSAGE', newMessagePayload: { name: `${protoParts.name}/messages/M1`, messageAnnotation: { parts: emptyParts(340_000) } } });
    rejectedData('expansion', 'a PROTO message of 340 000 empty annotation parts', protoEvent, ['too_large'], { conversation: protoParts.name });
    const jsonParts = fresh();
    rejectedData('expansion', 'a JSON message of 225 000 empty annotation parts', text(withPayloadField(messageBase(jsonParts.name), 'messageAnnotation', { parts: emptyParts(225_000) })), ['too_large'], { conversation: jsonParts.name });
    const manyKeys = fresh();
    rejectedData('expansion', 'a JSON lifecycle event with an unknown field of 60 000 keys', text({ ...lifecycleBase(manyKeys.name), future: Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 0])) }), ['too_large'], { conversation: manyKeys.name });
  }

  // -- Reasons that outgrow a Firestore document.
  {
    const manyAttributes = fresh();
    push('oversized reasons', 'an envelope with 20 000 attributes of the wrong type', {
      body: text(envelopeOf(base64(text({ conversation: manyAttributes.name, type: 1 })), manyAttributes.pubsubId, { attributes: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])) })),
      expected: rejected('not_a_push_envelope'),
      conversation: manyAttributes.name,
      bug: 'quarantined in a document Firestore can hold (1 MiB); the reason lists every one of the 20 000 issues (over 1 MiB on its own), so in Firestore the quarantine write fails and the delivery is answered 5xx forever',
    });
    const manyDetails = fresh();
    rejectedData('oversized reasons', 'an error status with 25 000 details of the wrong type', text({ ...lifecycleBase(manyDetails.name), errorStatus: { details: Array(25_000).fill(1) } }), ['not_a_conversation_event'], {
      conversation: manyDetails.name,
      bug: 'quarantined in a document Firestore can hold (1 MiB); the reason lists all 25 000 issues (over 1 MiB); with 300 000 of them the embedded emulator does not even answer within FIRESTORE_DEADLINE_MS (503 after 10 s)',
    });
  }

  // -- Requests that are not push deliveries at all.
  {
    const valid = fresh();
    const validBody = text(envelopeOf(base64(text({ conversation: valid.name, type: 1 })), valid.pubsubId));
    const notPush: Array<{ what: string; request: Partial<IngestCase>; status: number }> = [
      { what: 'a GET', request: { method: 'GET' }, status: 404 },
      { what: 'a PUT of a valid delivery', request: { method: 'PUT', body: validBody }, status: 404 },
      { what: 'a PATCH of a valid delivery', request: { method: 'PATCH', body: validBody }, status: 404 },
      { what: 'a DELETE', request: { method: 'DELETE' }, status: 404 },
      { what: 'an OPTIONS', request: { method: 'OPTIONS' }, status: 404 },
      { what: 'a valid delivery sent as text/plain', request: { body: validBody, contentType: 'text/plain' }, status: 400 },
      { what: 'a valid delivery sent without content type', request: { body: Buffer.from(validBody), contentType: null }, status: 400 },
      { what: 'a valid delivery sent as a form', request: { body: `payload=${encodeURIComponent(validBody)}`, contentType: 'application/x-www-form-urlencoded' }, status: 400 },
      // These two are the Functions Framework's body parser's own 415 page, before any code of ours runs (docs/reliability.md).
      { what: 'a JSON body in a charset the parser does not read', request: { body: validBody, contentType: 'application/json; charset=latin1' }, status: 415 },
      { what: "a JSON body labelled 'charset=utf8' (not a charset name)", request: { body: validBody, contentType: 'application/json; charset=utf8' }, status: 415 },
      { what: 'a JSON body labelled UTF-16 but sent as UTF-8', request: { body: validBody, contentType: 'application/json; charset=utf-16' }, status: 400 },
      { what: 'a top-level JSON string', request: { body: '"a push delivery"' }, status: 400 },
      { what: 'a top-level JSON number', request: { body: '42' }, status: 400 },
      { what: 'a top-level JSON null', request: { body: 'null' }, status: 400 },
      { what: 'a body that is not JSON', request: { body: `<xml>${MARKER}</xml>` }, status: 400 },
      { what: 'a JSON body with a trailing comma', request: { body: validBody.replace(/}$/, ',}') }, status: 400 },
      { what: 'two JSON documents', request: { body: `${validBody}${validBody}` }, status: 400 },
    ];
    for (const { what, request, status } of notPush) push('not a push delivery', what, { ...request, expected: refused(status), conversation: valid.name });
    const utf7 = fresh();
    push('not a push delivery', "a delivery labelled 'charset=utf-7' whose attribute reads differently in UTF-7", {
      body: text(envelopeOf(base64(text({ conversation: utf7.name, type: 'CONVERSATION_STARTED' })), utf7.pubsubId, { attributes: { origin: 'a+AGE-' } })),
      contentType: 'application/json; charset=utf-7',
      expected: refused(400),
      conversation: utf7.name,
      bug: "refused with 400 (Pub/Sub sends UTF-8 JSON), or stored as sent; the framework's body parser decodes the body as UTF-7, so the attribute 'a+AGE-' is stored as 'aa': silently altered",
    });
  }

  return { project, subscription, cases, trickNames };

  /** The envelope as JSON text, padded with an ignored field to exactly `size` bytes. */
  function padTo(envelope: Record<string, unknown>, size: number): string {
    const empty = text({ ...envelope, padding: '' });
    return text({ ...envelope, padding: 'p'.repeat(size - utf8Bytes(empty)) });
  }
}

function withPayloadField(event: JsonObject, key: string, value: Json): JsonObject {
  return replaceAt(event, ['newMessagePayload', key], value);
}

function replaceBytes(buffer: Buffer, placeholder: string, bytes: number[]): Buffer {
  const at = buffer.indexOf(placeholder);
  return Buffer.concat([buffer.subarray(0, at), Buffer.from(bytes), buffer.subarray(at + placeholder.length)]);
}

/** The same bytes, with the unused low bits of the last base64 character set (a non-canonical encoding). */
function withNonZeroPaddingBits(data: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const padding = data.length - data.replace(/=+$/, '').length;
  if (padding === 0) return data;
  const at = data.length - padding - 1;
  const index = alphabet.indexOf(data[at]!);
  return `${data.slice(0, at)}${alphabet[index | (padding === 1 ? 0b11 : 0b1111)]}${data.slice(at + 1)}`;
}
