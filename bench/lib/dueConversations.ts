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
 * With `everyOtherCompleted`, the odd ones are COMPLETED in the double (Dialogflow's final word), with a customer
 * and an agent to list: the mix of a steady state, where every conversation is read once in progress and once done.
 */
export async function seedDueConversations(
  db: Firestore,
  dialogflow: DialogflowDouble,
  parent: string,
  count: number,
  startedAgoMs: number,
  firstIndex = 0,
  everyOtherCompleted = false,
): Promise<string[]> {
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
      const completed = everyOtherCompleted && i % 2 === 1;
      dialogflow.conversations.set(name, {
        name,
        lifecycleState: completed ? 'COMPLETED' : 'IN_PROGRESS',
        conversationProfile: `${parent}/conversationProfiles/support`,
        startTime: new Date(startedMs).toISOString(),
        ...(completed ? { endTime: new Date(startedMs + 600_000).toISOString() } : {}),
      });
      if (completed) {
        dialogflow.participants.set(name, [
          { name: `${name}/participants/agent`, role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'agent' },
          { name: `${name}/participants/customer`, role: 'END_USER' },
        ]);
      }
      names.push(name);
    }
    await batch.commit();
  }
  return names;
}
