import type { Firestore } from '@google-cloud/firestore';
import { mergeLifecycleEvent } from '../../shared/domain/conversationState';
import { parseConversationName } from '../../shared/domain/resourceNames';
import { formatSortableTimestamp } from '../../shared/domain/timestamps';
import { toConversationDocument } from '../../shared/firestore/conversationStore';
import type { DialogflowDouble } from '../../test/support/dialogflowDouble';

/**
 * A reconcile backlog: `count` conversations of `parent`, started `startedAgoMs` ago by their events and never
 * read from Dialogflow (so due for their first read), written straight into Firestore as the ingest functions
 * store them; and the same conversations in the Dialogflow double, in progress with a profile. Ten share each
 * start time, so that the queue's paging meets ties; named due-<index> from `firstIndex`. Returns their names.
 */
export async function seedDueConversations(db: Firestore, dialogflow: DialogflowDouble, parent: string, count: number, startedAgoMs: number, firstIndex = 0): Promise<string[]> {
  const names: string[] = [];
  const end = firstIndex + count;
  for (let start = firstIndex; start < end; start += 500) {
    const batch = db.batch();
    for (let i = start; i < Math.min(end, start + 500); i++) {
      const name = `${parent}/conversations/due-${String(i).padStart(6, '0')}`;
      const startedMs = Date.now() - startedAgoMs + Math.floor(i / 10);
      const id = parseConversationName(name)!;
      const state = mergeLifecycleEvent(undefined, id, { type: 'CONVERSATION_STARTED', publishTime: formatSortableTimestamp(BigInt(startedMs) * 1_000_000n), pubsubMessageId: `seed-${i}` });
      batch.set(db.doc(name), toConversationDocument(state, 0));
      dialogflow.conversations.set(name, { name, lifecycleState: 'IN_PROGRESS', conversationProfile: `${parent}/conversationProfiles/support`, startTime: new Date(startedMs).toISOString() });
      names.push(name);
    }
    await batch.commit();
  }
  return names;
}
