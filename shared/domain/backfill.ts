import { mergeConversationSnapshot } from './conversationState';
import { toConversationSnapshot, toListedMessageRecord } from './dialogflowResources';
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
  const written = await deps.store.updateConversation(id, (current) => {
    existed = current !== undefined;
    return mergeConversationSnapshot(current, id, snapshot);
  });
  if (written === 'erased') return { name: id.name, conversation: 'erased', messagesNew: 0, messagesAlreadyStored: 0, problems: [] };
  const result: BackfilledConversation = {
    name: id.name,
    conversation: !existed ? 'new' : written === 'stored' ? 'updated' : 'unchanged',
    messagesNew: 0,
    messagesAlreadyStored: 0,
    problems: [],
  };
  for await (const message of deps.dialogflow.listMessages(id.name)) {
    const record = toListedMessageRecord(id, message, deps.defaultLocation);
    if (!record.ok) {
      result.problems.push(record.problem);
      continue;
    }
    if ((await deps.store.createMessage(record.value)) === 'stored') result.messagesNew += 1;
    else result.messagesAlreadyStored += 1;
  }
  return result;
}
