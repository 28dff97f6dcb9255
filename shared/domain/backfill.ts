import { mergeConversationSnapshot, type ConversationState } from './conversationState';
import { toConversationSnapshot, toListedMessageRecord } from './dialogflowResources';
import { ensureParticipantOf, mergeListedParticipants } from './participants';
import type { ConversationStore, DialogflowConversations } from './ports';

/**
 * Backfill of one conversation that Dialogflow's API lists: its snapshot
 * merged into the stored conversation, and each of its messages created
 * unless already stored. Both are the merges live events go through, so a
 * backfill is idempotent with itself and with events arriving meanwhile.
 */

export interface BackfilledConversation {
  name: string;
  /** new: not stored before; updated: the snapshot changed it; unchanged: it knew everything already; erased: kept erased. */
  conversation: 'new' | 'updated' | 'unchanged' | 'erased';
  messagesNew: number;
  messagesAlreadyStored: number;
  /** Messages that could not be read (the conversation's other parts are stored). */
  problems: string[];
}

export interface BackfillDependencies {
  dialogflow: DialogflowConversations;
  store: ConversationStore;
  defaultLocation: string;
}

/**
 * `listed` is the Conversation as conversations.list returned it. Throws when the store or Dialogflow fails
 * (the caller retries or reports it); a conversation that cannot be read at all is a problem, not a throw.
 */
export async function backfillConversation(deps: BackfillDependencies, listed: Record<string, unknown>): Promise<BackfilledConversation> {
  // A listing times no next read: what it says is merged, but not when, so that listing again changes nothing.
  const read = toConversationSnapshot(listed, null, deps.defaultLocation);
  if (!read.ok) return { name: String(listed['name']), conversation: 'unchanged', messagesNew: 0, messagesAlreadyStored: 0, problems: [read.problem] };
  const { id, snapshot } = read.value;
  let existed = false;
  const merged: { state?: ConversationState } = {};
  const written = await deps.store.updateConversation(id, (current) => {
    existed = current !== undefined;
    merged.state = mergeConversationSnapshot(current, id, snapshot);
    return merged.state;
  });
  if (written === 'erased') return { name: id.name, conversation: 'erased', messagesNew: 0, messagesAlreadyStored: 0, problems: [] };
  const result: BackfilledConversation = {
    name: id.name,
    conversation: !existed ? 'new' : written === 'stored' ? 'updated' : 'unchanged',
    messagesNew: 0,
    messagesAlreadyStored: 0,
    problems: [],
  };
  // The messages and the participants side by side: either order stores the same (a participant a message names is
  // created unless it exists; what Dialogflow lists is merged over it), and a conversation waits for one latency.
  const storeMessages = async () => {
    for await (const message of deps.dialogflow.listMessages(id.name)) {
      const record = toListedMessageRecord(id, message, deps.defaultLocation);
      if (!record.ok) {
        result.problems.push(record.problem);
        continue;
      }
      const [written] = await Promise.all([deps.store.createMessage(record.value), ensureParticipantOf(deps.store, record.value)]);
      if (written === 'stored') result.messagesNew += 1;
      else result.messagesAlreadyStored += 1;
    }
  };
  await Promise.all([storeMessages(), mergeListedParticipants(deps, id, merged.state?.endTime ?? merged.state?.startTime ?? undefined, result.problems)]);
  return result;
}
