import type { EnumValue } from './enums';
import type { ConversationId } from './resourceNames';
import type { LifecycleEventRecord } from './conversationState';

/** Firestore refuses documents over 1 MiB; we refuse a little earlier, leaving room for our own fields. */
export const MAX_STORED_JSON_BYTES = 1_000_000;

/** One stored Message, keyed by its id under its conversation. */
export interface MessageRecord {
  conversation: ConversationId;
  messageId: string;
  /** Create time (sortable form); the Pub/Sub publish time when the message had none. */
  createTime: string;
  /** `createTime#messageId`: one top-level field that orders messages by time with a stable tie-break. */
  sortKey: string;
  participantRole?: EnumValue;
  /** The id of the participant who sent it, when its `participant` names one of this conversation. */
  participantId?: string;
  /** The Message as received (field spellings normalized to proto3 JSON), as JSON. */
  payloadJson: string;
  /** Other fields the event carried (unknown ones, attributes), canonical JSON; absent when none. */
  eventDetailJson?: string;
}

/**
 * One participant of a conversation, as its messages name it (participants.list and participants.get serve
 * these): written once, by the first message of it an instance stores; what Dialogflow's own participants.list
 * says is merged in by reconcile and backfill.
 */
export interface ParticipantRecord {
  conversation: ConversationId;
  participantId: string;
  role?: EnumValue;
  /** The create time (sortable form) of the message that named it first here: its expiry is counted from it. */
  firstMessageTime: string;
}

/** A Participant as Dialogflow's participants.list returned it: merged over what the messages said. */
export interface ListedParticipantRecord {
  conversation: ConversationId;
  participantId: string;
  role?: EnumValue;
  /** The Participant as read (proto3 JSON), every field kept. */
  dialogflowJson: string;
  /** The conversation's end time, else its start time (sortable form): retention is counted from it, as the conversation's is. */
  expiryAnchor?: string;
}

/** A NEW_RECOGNITION_RESULT event, kept verbatim; nothing reads inside it yet. */
export interface RecognitionResultRecord {
  conversation: ConversationId;
  pubsubMessageId: string;
  publishTime: string;
  payloadJson: string;
}

export type IngestEvent =
  | { kind: 'message'; conversation: ConversationId; record: MessageRecord }
  | { kind: 'recognition_result'; conversation: ConversationId; record: RecognitionResultRecord }
  | { kind: 'lifecycle'; conversation: ConversationId; record: LifecycleEventRecord };

/** Drops undefined values so that stored records have no `undefined` fields (Firestore refuses them). */
export function definedFields<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const defined: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) if (fields[key] !== undefined) defined[key] = fields[key];
  return defined;
}

export function messageSortKey(createTime: string, messageId: string): string {
  return `${createTime}#${messageId}`;
}
