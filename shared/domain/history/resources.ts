import type { ConversationState, LifecycleEventRecord } from '../conversationState';
import { CONVERSATION_STAGE_NUMBERS, LIFECYCLE_STATE_NUMBERS, PARTICIPANT_ROLE_NUMBERS, enumToNumber, type EnumValue } from '../enums';
import { respellUnderConversation, type ConversationId } from '../resourceNames';
import { formatProtoTimestamp, parseTimestampNanos } from '../timestamps';
import type { ParticipantRow } from './ports';

/**
 * Stored records in the JSON shapes of Dialogflow's REST API (proto3 JSON:
 * camelCase keys, enums by name, or by number when the client asked for
 * `enum-encoding=int`, RFC 3339 UTC timestamps).
 */
export interface RenderOptions {
  enumsAsNumbers: boolean;
}

/**
 * What we keep beyond Dialogflow's Conversation goes under this one field,
 * which proto3 JSON parsers (the official clients among them) ignore.
 */
export const HISTORY_METADATA_FIELD = 'historyMetadata';

export function toConversationResource(state: ConversationState, options: RenderOptions): Record<string, unknown> {
  const enumValue = (numbers: Readonly<Record<string, number>>, value: EnumValue) =>
    options.enumsAsNumbers ? enumToNumber(numbers, value) : value;
  const events = state.lifecycleEvents.map(toEventResource);
  const read = state.dialogflow?.conversation;
  return {
    // Whatever else Dialogflow's API returned at the most advanced read (telephony details, fields added later), as it
    // returned it; what the model derives (below) takes precedence.
    ...(read ? withoutDerivedFields(JSON.parse(read.json) as Record<string, unknown>) : {}),
    name: state.name,
    lifecycleState: enumValue(LIFECYCLE_STATE_NUMBERS, state.lifecycleState),
    ...(state.conversationProfile ? { conversationProfile: state.conversationProfile } : {}),
    ...(state.phoneNumber ? { phoneNumber: state.phoneNumber } : {}),
    ...(state.conversationStage ? { conversationStage: enumValue(CONVERSATION_STAGE_NUMBERS, state.conversationStage) } : {}),
    ...(state.startTime ? { startTime: toProtoTime(state.startTime) } : {}),
    ...(state.endTime ? { endTime: toProtoTime(state.endTime) } : {}),
    [HISTORY_METADATA_FIELD]: {
      ...(state.dialogflow?.lastReadAt ? { dialogflowReadTime: toProtoTime(state.dialogflow.lastReadAt) } : {}),
      ...(state.dialogflow?.notFoundAt ? { purgedFromDialogflowBy: toProtoTime(state.dialogflow.notFoundAt) } : {}),
      humanInterventions: events.filter((event) => event['type'] === 'HUMAN_INTERVENTION_NEEDED').map(({ publishTime }) => ({ time: publishTime })),
      unrecoverableErrors: events
        .filter((event) => event['type'] === 'UNRECOVERABLE_ERROR')
        .map(({ publishTime, errorStatus }) => ({ time: publishTime, ...(errorStatus ? { errorStatus } : {}) })),
      lifecycleEvents: events,
      lifecycleEventsTruncated: state.lifecycleEventsTruncated,
    },
  };
}

const DERIVED_FIELDS = ['name', 'lifecycleState', 'conversationProfile', 'phoneNumber', 'conversationStage', 'startTime', 'endTime', HISTORY_METADATA_FIELD];

/** A read Conversation's other fields, as Dialogflow's API returned them. */
function withoutDerivedFields(conversation: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(conversation).filter(([key]) => !DERIVED_FIELDS.includes(key)));
}

function toEventResource(event: LifecycleEventRecord): Record<string, unknown> & { publishTime: string; errorStatus?: unknown } {
  const detail = event.detailJson ? withLowerCamelKeys(JSON.parse(event.detailJson) as Record<string, unknown>) : {};
  return { type: event.type, publishTime: toProtoTime(event.publishTime), pubsubMessageId: event.pubsubMessageId, ...detail };
}

/**
 * A stored message as Dialogflow returns it: as received, with times in UTC,
 * enums as asked, and its own and its participant's names spelled under the
 * conversation's canonical name (the stored payload keeps the spelling received).
 */
export function toMessageResource(payloadJson: string, conversation: ConversationId, options: RenderOptions): Record<string, unknown> {
  const message = withLowerCamelKeys(JSON.parse(payloadJson) as Record<string, unknown>);
  for (const field of ['name', 'participant']) {
    const value = message[field];
    if (typeof value === 'string') message[field] = respellUnderConversation(value, conversation);
  }
  for (const field of ['createTime', 'sendTime']) {
    const value = message[field];
    if (typeof value === 'string') message[field] = toProtoTime(value);
  }
  const role = message['participantRole'];
  if (options.enumsAsNumbers && (typeof role === 'string' || typeof role === 'number')) {
    message['participantRole'] = enumToNumber(PARTICIPANT_ROLE_NUMBERS, role);
  }
  return message;
}

/**
 * A stored participant as Dialogflow's Participant: what its participants.list said when reconcile or backfill
 * read it (every field, `sipRecordingMediaLabel` and `obfuscatedExternalUserId` among them), its name spelled
 * under the conversation's canonical name, and its role as a message or Dialogflow gave it.
 */
export function toParticipantResource(row: ParticipantRow, conversation: ConversationId, options: RenderOptions): Record<string, unknown> {
  const listed = row.dialogflowJson ? withLowerCamelKeys(JSON.parse(row.dialogflowJson) as Record<string, unknown>) : {};
  const role = row.role ?? (typeof listed['role'] === 'string' || typeof listed['role'] === 'number' ? listed['role'] : undefined);
  return {
    ...listed,
    name: `${conversation.name}/participants/${row.sortKey}`,
    ...(role !== undefined ? { role: options.enumsAsNumbers ? enumToNumber(PARTICIPANT_ROLE_NUMBERS, role) : role } : {}),
  };
}

function toProtoTime(text: string): string {
  const nanos = parseTimestampNanos(text);
  return nanos === undefined ? text : formatProtoTimestamp(nanos);
}

/**
 * proto3 JSON prints field names in lowerCamelCase; a field we do not model that arrived in snake_case is
 * served so too. Only the object's own keys: inside an unknown field, without its schema, a Struct's keys
 * (the publisher's data) cannot be told from field names, so its value is served as received.
 */
function withLowerCamelKeys(object: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(object).some((key) => key.includes('_'))) return object;
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const camel = key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
    // A key already present in camelCase wins; the snake_case twin is kept as it came.
    renamed[camel !== key && Object.hasOwn(object, camel) ? key : camel] = value;
  }
  return renamed;
}
