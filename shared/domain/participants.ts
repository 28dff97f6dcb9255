import { toListedParticipantRecord } from './dialogflowResources';
import type { ConversationStore, DialogflowConversations } from './ports';
import { definedFields, type MessageRecord } from './records';
import type { ConversationId } from './resourceNames';

/**
 * A conversation's participants, as participants.list and .get serve them: made to exist by the messages that name
 * them (ingest, backfill), and completed by what Dialogflow's own participants.list says (reconcile, backfill).
 */

/** The participant a stored message names, made to exist (participants.list reads these, never the messages). */
export async function ensureParticipantOf(store: ConversationStore, message: MessageRecord): Promise<void> {
  if (message.participantId === undefined) return;
  await store.ensureParticipant({
    conversation: message.conversation,
    participantId: message.participantId,
    firstMessageTime: message.createTime,
    ...definedFields({ role: message.participantRole }),
  });
}

/**
 * What Dialogflow's participants.list says of each participant, merged into the stored ones (those that never
 * sent a message too). A participant that cannot be read is a problem; the store or Dialogflow failing throws.
 * `expiryAnchor`: the conversation's end, else start; `retryUntil` as DialogflowConversations takes it.
 */
export async function mergeListedParticipants(
  deps: { dialogflow: DialogflowConversations; store: ConversationStore },
  id: ConversationId,
  expiryAnchor: string | undefined,
  problems: string[],
  retryUntil?: number,
): Promise<{ participants: number; written: number }> {
  const counts = { participants: 0, written: 0 };
  for await (const participant of deps.dialogflow.listParticipants(id.name, definedFields({ retryUntil }))) {
    const record = toListedParticipantRecord(id, participant, expiryAnchor);
    if (!record.ok) {
      problems.push(record.problem);
      continue;
    }
    counts.participants += 1;
    if ((await deps.store.mergeListedParticipant(record.value)) === 'stored') counts.written += 1;
  }
  return counts;
}
