import { ConversationEventSchema, type ConversationEvent } from './conversationEvent';
import { MAX_LIFECYCLE_DETAIL_BYTES } from './conversationState';
import { withFastPath } from './fastParse';
import { isEventTypeName } from './enums';
import { canonicalJson, findJsonShapeProblem, isObject, utf8Length, type ShapeProblem } from './jsonShape';
import type { DeliveryFacts, Rejection, RejectionCode } from './outcomes';
import { PushEnvelopeSchema, type PushEnvelope } from './pushEnvelope';
import { MAX_STORED_JSON_BYTES, definedFields, messageSortKey, type IngestEvent } from './records';
export { MAX_STORED_JSON_BYTES };
import { DEFAULT_LOCATION, SAFE_ID, namesLocation, parseConversationName, parseMessageName, participantIdUnder, type ConversationId } from './resourceNames';
import { toSortableTimestamp } from './timestamps';
import { createPathDescriber, describeIssues } from './validation';

const parsePushEnvelope = withFastPath(PushEnvelopeSchema);
const parseConversationEvent = withFastPath(ConversationEventSchema);
/** Reasons are logged: they name a field by the keys our schemas know, and stand in for any other key. */
const describePath = createPathDescriber(PushEnvelopeSchema, ConversationEventSchema);
const SUBSCRIPTION_NAME = /^projects\/[A-Za-z0-9._~:-]{1,100}\/subscriptions\/[A-Za-z0-9._~+%-]{1,255}$/;


/**
 * Reads `message.data` as a ConversationEvent serialized as protobuf (the
 * PROTO message format, Dialogflow's default) into the proto3 JSON the JSON
 * format carries; undefined when the bytes are not such a message. An
 * adapter at the edge implements it; the domain knows no wire format but JSON.
 */
export type ProtobufEventReader = (data: Uint8Array) => ProtobufReading | undefined;

/**
 * `tooLarge`: the bytes are such a message, but would expand past what may
 * be built from them (MAX_JSON_VALUES, nesting): said without building it.
 */
export type ProtobufReading = { event: Record<string, unknown>; unknownFields: boolean } | { tooLarge: string };

export interface DecodeOptions {
  bodyIsUtf8?: boolean;
  /** Where a name without `/locations/<L>/` is taken to be (DIALOGFLOW_LOCATION); `global` by default. */
  defaultLocation?: string;
  /** Without one, a delivery that is not JSON is rejected. */
  readProtobufEvent?: ProtobufEventReader;
}

export type DecodeResult =
  | { ok: true; event: IngestEvent; facts: DeliveryFacts }
  | { ok: false; rejection: Rejection; facts: DeliveryFacts };

class DecodeError extends Error {
  constructor(readonly code: RejectionCode, reason: string) {
    super(reason);
  }
}

function reject(code: RejectionCode, reason: string): never {
  throw new DecodeError(code, reason);
}

/**
 * Turns the JSON body of a Pub/Sub push delivery into an event to store, or
 * says exactly why it cannot be stored. Pure: no I/O, no clock.
 */
export function decodeDelivery(body: unknown, options: DecodeOptions = {}): DecodeResult {
  const facts: DeliveryFacts = {};
  try {
    readDeliveryIds(body, facts);
    // The body parser replaces invalid UTF-8 with U+FFFD: storing what it parsed would alter the delivery.
    if (options.bodyIsUtf8 === false) reject('not_a_push_envelope', 'The body is not valid UTF-8');
    const bodyProblem = findJsonShapeProblem(body, describePath);
    if (bodyProblem) reject(bodyProblem.kind === 'too_many_values' ? 'too_large' : 'not_a_push_envelope', `Not a Pub/Sub push envelope: ${bodyProblem.description}`);
    const envelope = parseEnvelope(body, facts);
    const data = decodeBase64(envelope.message.data);
    facts.dataBytes = data.byteLength;
    const { event, keptBytes } = parseEvent(data, facts, options.readProtobufEvent);
    return { ok: true, event: toIngestEvent(event, envelope, facts, keptBytes, options.defaultLocation ?? DEFAULT_LOCATION), facts };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, rejection: { code: error.code, reason: error.message }, facts };
    throw error;
  }
}

/**
 * Reads what identifies the delivery even if the rest is wrong, so the quarantine record says which one it was.
 * Facts are logged: only ids of Pub/Sub's own form are kept, never other text the caller put there.
 */
function readDeliveryIds(body: unknown, facts: DeliveryFacts): void {
  const message = isObject(body) && isObject(body['message']) ? body['message'] : {};
  const id = message['messageId'] ?? message['message_id'];
  if (typeof id === 'string' && id.length <= 256 && SAFE_ID.test(id)) facts.pubsubMessageId = id;
  const subscription = isObject(body) ? body['subscription'] : undefined;
  if (typeof subscription === 'string' && SUBSCRIPTION_NAME.test(subscription)) facts.subscription = subscription;
  if (isObject(body) && typeof body['deliveryAttempt'] === 'number' && Number.isSafeInteger(body['deliveryAttempt'])) {
    facts.deliveryAttempt = body['deliveryAttempt'];
  }
}

function parseEnvelope(body: unknown, facts: DeliveryFacts): PushEnvelope {
  const parsed = parsePushEnvelope(body);
  if (!parsed.success) reject('not_a_push_envelope', `Not a Pub/Sub push envelope: ${describeIssues(parsed.error, describePath)}`);
  const envelope = parsed.data;
  const publishTime = toSortableTimestamp(envelope.message.publishTime);
  if (publishTime === undefined) reject('not_a_push_envelope', "Field 'message.publishTime' is not an RFC 3339 timestamp");
  facts.publishTime = publishTime;
  return { ...envelope, message: { ...envelope.message, publishTime } };
}

function decodeBase64(text: string): Uint8Array {
  const bytes = base64ToBytes(text, STANDARD_SEXTETS) ?? base64ToBytes(text, URL_SAFE_SEXTETS);
  if (bytes === undefined) reject('data_not_base64', "Field 'message.data' is not base64");
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Six bits per character of one base64 alphabet, -1 for any other character: a text mixing both is neither. */
function sextetTable(last: string): Int8Array {
  const table = new Int8Array(128).fill(-1);
  const alphabet = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789${last}`;
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const STANDARD_SEXTETS = sextetTable('+/');
const URL_SAFE_SEXTETS = sextetTable('-_');

/**
 * Checks and decodes base64 of one alphabet in one pass: groups of four
 * characters, then two (padded `==` or not) or three (`=` or not); undefined
 * when the text is not that. No binary string first, as atob() would build:
 * this runs for every delivery.
 */
function base64ToBytes(text: string, sextets: Int8Array): Uint8Array | undefined {
  let length = text.length;
  let padding = 0;
  while (padding < 2 && length > 0 && text.charCodeAt(length - 1) === 61 /* = */) {
    length--;
    padding++;
  }
  const remainder = length % 4;
  if (remainder === 1 || (padding > 0 && remainder + padding !== 4)) return undefined;
  const sextet = (index: number) => {
    const code = text.charCodeAt(index);
    return code > 127 ? -1 : sextets[code]!;
  };
  const bytes = new Uint8Array((length * 3) >> 2);
  const whole = length - remainder;
  let out = 0;
  for (let i = 0; i < whole; i += 4) {
    const a = sextet(i);
    const b = sextet(i + 1);
    const c = sextet(i + 2);
    const d = sextet(i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[out++] = bits >> 16;
    bytes[out++] = (bits >> 8) & 0xff;
    bytes[out++] = bits & 0xff;
  }
  if (remainder > 0) {
    const a = sextet(whole);
    const b = sextet(whole + 1);
    const c = remainder === 3 ? sextet(whole + 2) : 0;
    if ((a | b | c) < 0) return undefined;
    const bits = (a << 18) | (b << 12) | (c << 6);
    bytes[out++] = bits >> 16;
    if (remainder === 3) bytes[out++] = (bits >> 8) & 0xff;
  }
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The event `message.data` carries: JSON (message_format JSON), or else
 * protobuf (PROTO, the default), told apart by what the bytes are, never by
 * a prefix. A protobuf event with fields the descriptor does not know keeps
 * its bytes (`keptBytes`), so that a later schema can read them again.
 */
function parseEvent(data: Uint8Array, facts: DeliveryFacts, readProtobufEvent: ProtobufEventReader | undefined): { event: ConversationEvent; keptBytes?: Uint8Array } {
  const json = parseJson(data);
  if (json.ok) return { event: validateEvent(json.value, facts) };
  const protobuf = readProtobufEvent?.(data);
  const neither = `Field 'message.data' is neither ${json.expected} nor a protobuf ConversationEvent (${data.byteLength} bytes`;
  if (protobuf === undefined) reject(json.code, readProtobufEvent ? `${neither})` : `Field 'message.data' ${json.problem} (${data.byteLength} bytes)`);
  if ('tooLarge' in protobuf) reject('too_large', `The protobuf ConversationEvent (${data.byteLength} bytes) cannot be stored as received: ${protobuf.tooLarge}`);
  try {
    const event = validateEvent(protobuf.event, facts);
    return protobuf.unknownFields ? { event, keptBytes: data } : { event };
  } catch (error) {
    // Bytes that read as some protobuf message but not as a ConversationEvent are neither format.
    if (error instanceof DecodeError) reject(json.code, `${neither}; read as protobuf: ${error.message})`);
    throw error;
  }
}

function parseJson(data: Uint8Array): { ok: true; value: unknown } | { ok: false; code: RejectionCode; problem: string; expected: string } {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { ok: false, code: 'data_not_utf8', problem: 'does not decode to UTF-8 text', expected: 'UTF-8 JSON' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, code: 'data_not_json', problem: 'is not JSON', expected: 'JSON' };
  }
}

function validateEvent(json: unknown, facts: DeliveryFacts): ConversationEvent {
  const shapeProblem = findJsonShapeProblem(json, describePath);
  if (shapeProblem) reject(codeOf(shapeProblem), `The event cannot be stored as received: ${shapeProblem.description}`);

  if (isObject(json)) {
    const type = json['type'];
    if (typeof type === 'string' || (typeof type === 'number' && Number.isFinite(type))) facts.eventType = loggableEventType(type);
  }
  const parsed = parseConversationEvent(json);
  if (!parsed.success) reject('not_a_conversation_event', `Not a ConversationEvent: ${describeIssues(parsed.error, describePath)}`);
  facts.eventType = loggableEventType(parsed.data.type);
  return parsed.data;
}

function codeOf(problem: ShapeProblem): RejectionCode {
  return problem.kind === 'too_many_values' ? 'too_large' : 'unsafe_json';
}

/**
 * Facts are logged, and a caller can write any text as a type: a name we do not know is said to be unrecognized
 * (the stored record keeps it as received); a number carries no text and is kept.
 */
function loggableEventType(type: string | number): string | number {
  if (typeof type === 'number') return type;
  return isEventTypeName(type) ? type : 'UNRECOGNIZED';
}

function toIngestEvent(
  event: ConversationEvent,
  envelope: PushEnvelope,
  facts: DeliveryFacts,
  keptBytes: Uint8Array | undefined,
  defaultLocation: string,
): IngestEvent {
  const conversation = parseConversationName(event.conversation, defaultLocation);
  if (!conversation) {
    reject(
      'invalid_conversation_name',
      "Field 'conversation' is not a conversation name of the form projects/<P>[/locations/<L>]/conversations/<C>",
    );
  }
  facts.conversation = conversation.name;
  const { conversation: _name, type, newMessagePayload, newRecognitionResultPayload, ...rest } = event;
  const attributes = envelope.message.attributes;
  // What Pub/Sub added, and the protobuf bytes when they hold fields we could not read, beside the event's own
  // fields. Usually there is neither: the fields are then returned as they are (this runs for every event).
  const extra = {
    ...(attributes && Object.keys(attributes).length > 0 ? { pubsubAttributes: attributes } : {}),
    ...(keptBytes ? { protobufDataBase64: bytesToBase64(keptBytes) } : {}),
  };
  const withAttributes = (fields: Record<string, unknown>) => (Object.keys(extra).length > 0 ? { ...fields, ...extra } : fields);

  if (type === 'NEW_MESSAGE') {
    facts.eventKind = 'message';
    const eventNamesLocation = namesLocation(event.conversation);
    return toMessageEvent(conversation, eventNamesLocation, newMessagePayload, withAttributes({ ...rest, ...definedFields({ newRecognitionResultPayload }) }), envelope, facts, defaultLocation);
  }
  if (type === 'NEW_RECOGNITION_RESULT') {
    facts.eventKind = 'recognition_result';
    const payloadJson = canonicalJson(withAttributes({ ...rest, ...definedFields({ newRecognitionResultPayload, newMessagePayload }) }));
    checkSize(payloadJson, MAX_STORED_JSON_BYTES, 'The recognition result');
    return {
      kind: 'recognition_result',
      conversation,
      record: { conversation, pubsubMessageId: envelope.message.messageId, publishTime: envelope.message.publishTime, payloadJson },
    };
  }
  facts.eventKind = 'lifecycle';
  const detail = withAttributes({ ...rest, ...definedFields({ newMessagePayload, newRecognitionResultPayload }) });
  const detailJson = Object.keys(detail).length > 0 ? canonicalJson(detail) : undefined;
  if (detailJson !== undefined) checkSize(detailJson, MAX_LIFECYCLE_DETAIL_BYTES, `The ${String(type)} event's detail`);
  return {
    kind: 'lifecycle',
    conversation,
    record: {
      type,
      publishTime: envelope.message.publishTime,
      pubsubMessageId: envelope.message.messageId,
      ...definedFields({ detailJson }),
    },
  };
}

function toMessageEvent(
  eventConversation: ConversationId,
  eventNamesLocation: boolean,
  message: ConversationEvent['newMessagePayload'],
  eventDetail: Record<string, unknown>,
  envelope: PushEnvelope,
  facts: DeliveryFacts,
  defaultLocation: string,
): IngestEvent {
  if (!message) reject('invalid_message', "A NEW_MESSAGE event must carry 'newMessagePayload'");
  const messageName = parseMessageName(message.name, defaultLocation);
  if (!messageName) {
    reject('invalid_message', "Field 'newMessagePayload.name' is not a message name of the form <conversation>/messages/<M>");
  }
  facts.messageId = messageName.messageId;
  // Dialogflow documents the event's `conversation` as projects/<P>/conversations/<C>: a regional conversation's
  // event may omit the location that its message's own name carries. The message's name then says where it is.
  const locatedByMessage =
    !eventNamesLocation &&
    namesLocation(message.name) &&
    messageName.project === eventConversation.project &&
    messageName.conversationId === eventConversation.conversationId;
  const conversation: ConversationId = locatedByMessage ? toConversation(messageName) : eventConversation;
  if (messageName.name !== conversation.name) {
    reject('message_of_other_conversation', "Field 'newMessagePayload.name' names a message of another conversation than the event's");
  }
  facts.conversation = conversation.name;
  let createTime = envelope.message.publishTime;
  if (message.createTime !== undefined) {
    const parsed = toSortableTimestamp(message.createTime);
    if (parsed === undefined) reject('invalid_timestamp', "Field 'newMessagePayload.createTime' is not an RFC 3339 timestamp");
    createTime = parsed;
  }
  // Written once with create(), never compared: plain JSON is enough (lifecycle details, kept in a set, are canonical).
  const payloadJson = JSON.stringify(message);
  checkSize(payloadJson, MAX_STORED_JSON_BYTES, 'The message');
  const eventDetailJson = Object.keys(eventDetail).length > 0 ? canonicalJson(eventDetail) : undefined;
  if (eventDetailJson !== undefined) checkSize(eventDetailJson, MAX_LIFECYCLE_DETAIL_BYTES, "The NEW_MESSAGE event's detail");
  return {
    kind: 'message',
    conversation,
    record: {
      conversation,
      messageId: messageName.messageId,
      createTime,
      sortKey: messageSortKey(createTime, messageName.messageId),
      ...definedFields({ participantRole: message.participantRole, participantId: participantIdUnder(message.participant, conversation), eventDetailJson }),
      payloadJson,
    },
  };
}

function toConversation({ project, location, conversationId, name }: ConversationId): ConversationId {
  return { project, location, conversationId, name };
}

function checkSize(json: string, limit: number, what: string): void {
  if (json.length * 3 <= limit) return; // no UTF-16 unit takes more than 3 bytes
  const bytes = utf8Length(json);
  if (bytes > limit) reject('too_large', `${what} is ${bytes} bytes, over the ${limit} bytes that can be stored`);
}

