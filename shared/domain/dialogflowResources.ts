import type { ConversationSnapshot, ConversationStage } from './conversationState';
import { CONVERSATION_STAGE_NUMBERS, LIFECYCLE_STATE_NUMBERS, PARTICIPANT_ROLE_NUMBERS, normalizeEnum, type LifecycleState } from './enums';
import { canonicalJson, isObject } from './jsonShape';
import { MAX_STORED_JSON_BYTES, definedFields, messageSortKey, type ListedParticipantRecord, type MessageRecord } from './records';
import { parseConversationName, parseMessageName, participantIdUnder, type ConversationId } from './resourceNames';
import { toSortableTimestamp } from './timestamps';

/**
 * Dialogflow's own resources, as its Conversations API returns them in proto3
 * JSON (conversations.get and .list, conversations.messages.list), turned into
 * the inputs of the same model the events feed: a Conversation into a
 * snapshot for mergeConversationSnapshot, a Message into the very record a
 * NEW_MESSAGE of it stores (same id, same sort key), so that whichever
 * arrives first is the one written, once.
 *
 * A resource that cannot be read is a value saying why, never an exception:
 * one bad conversation must not stop a backfill of thousands.
 */
export type Readable<T> = { ok: true; value: T } | { ok: false; problem: string };

/** `readTime` (sortable form): when a scheduled read asked; null for a backfill's listing, which times no next read. */
export function toConversationSnapshot(
  conversation: Record<string, unknown>,
  readTime: string | null,
  defaultLocation: string,
): Readable<{ id: ConversationId; snapshot: ConversationSnapshot }> {
  const id = typeof conversation['name'] === 'string' ? parseConversationName(conversation['name'], defaultLocation) : undefined;
  if (!id) return { ok: false, problem: "the conversation's name is not projects/<P>[/locations/<L>]/conversations/<C>" };
  const startTime = optionalTime(conversation['startTime']);
  const endTime = optionalTime(conversation['endTime']);
  if (startTime === false || endTime === false) return { ok: false, problem: `${id.name}: startTime or endTime is not an RFC 3339 timestamp` };
  const profile = conversation['conversationProfile'];
  const phoneNumber = conversation['phoneNumber'];
  return {
    ok: true,
    value: {
      id,
      snapshot: {
        found: true,
        readTime,
        conversationJson: canonicalJson({ ...conversation, name: id.name }),
        lifecycleState: knownLifecycleState(conversation['lifecycleState']),
        startTime,
        endTime,
        stage: knownStage(conversation['conversationStage']),
        conversationProfile: typeof profile === 'string' && profile !== '' ? profile : null,
        phoneNumber: isObject(phoneNumber) && Object.keys(phoneNumber).length > 0 ? phoneNumber : null,
      },
    },
  };
}

/** A message of `conversation`, as messages.list returns it, as the record its NEW_MESSAGE would have stored. */
export function toListedMessageRecord(conversation: ConversationId, message: Record<string, unknown>, defaultLocation: string): Readable<MessageRecord> {
  const name = typeof message['name'] === 'string' ? parseMessageName(message['name'], defaultLocation) : undefined;
  if (!name) return { ok: false, problem: `${conversation.name}: a message's name is not <conversation>/messages/<M>` };
  if (name.project !== conversation.project || name.conversationId !== conversation.conversationId) {
    return { ok: false, problem: `${conversation.name}: message ${name.messageId} names another conversation` };
  }
  const createTime = optionalTime(message['createTime']);
  if (!createTime) return { ok: false, problem: `${conversation.name}: message ${name.messageId} has no RFC 3339 createTime` };
  const payloadJson = JSON.stringify(message);
  if (new TextEncoder().encode(payloadJson).byteLength > MAX_STORED_JSON_BYTES) {
    return { ok: false, problem: `${conversation.name}: message ${name.messageId} is over the ${MAX_STORED_JSON_BYTES} bytes that can be stored` };
  }
  const role = message['participantRole'];
  return {
    ok: true,
    value: {
      conversation,
      messageId: name.messageId,
      createTime,
      sortKey: messageSortKey(createTime, name.messageId),
      ...(typeof role === 'string' || typeof role === 'number' ? { participantRole: role } : {}),
      ...definedFields({ participantId: participantIdUnder(message['participant'], conversation) }),
      payloadJson,
    },
  };
}

/**
 * A Participant as Dialogflow's participants.list returned it, to be merged into the stored participant: its role
 * normalized as messages' are, every field kept in `dialogflowJson`. `expiryAnchor`: the conversation's end, else start, time.
 */
export function toListedParticipantRecord(
  conversation: ConversationId,
  participant: Record<string, unknown>,
  expiryAnchor: string | undefined,
): Readable<ListedParticipantRecord> {
  const participantId = participantIdUnder(participant['name'], conversation);
  if (!participantId) return { ok: false, problem: `${conversation.name}: a participant's name is not <conversation>/participants/<P>` };
  const dialogflowJson = JSON.stringify(participant);
  if (new TextEncoder().encode(dialogflowJson).byteLength > MAX_STORED_JSON_BYTES) {
    return { ok: false, problem: `${conversation.name}: participant ${participantId} is over the ${MAX_STORED_JSON_BYTES} bytes that can be stored` };
  }
  const rawRole = participant['role'];
  const role = typeof rawRole === 'string' || typeof rawRole === 'number' ? normalizeEnum(PARTICIPANT_ROLE_NUMBERS, rawRole) : undefined;
  return {
    ok: true,
    value: { conversation, participantId, dialogflowJson, ...definedFields({ role, expiryAnchor }) },
  };
}

/** A time in sortable form, null when absent, false when present but not a timestamp. */
function optionalTime(value: unknown): string | null | false {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' ? (toSortableTimestamp(value) ?? false) : false;
}

function knownLifecycleState(value: unknown): LifecycleState | null {
  const name = typeof value === 'string' || typeof value === 'number' ? normalizeEnum(LIFECYCLE_STATE_NUMBERS, value) : undefined;
  return name === 'IN_PROGRESS' || name === 'COMPLETED' ? name : null;
}

function knownStage(value: unknown): ConversationStage | null {
  const name = typeof value === 'string' || typeof value === 'number' ? normalizeEnum(CONVERSATION_STAGE_NUMBERS, value) : undefined;
  return name === 'VIRTUAL_AGENT_STAGE' || name === 'HUMAN_ASSIST_STAGE' ? name : null;
}
