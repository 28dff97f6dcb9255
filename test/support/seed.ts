import type { Firestore } from '@google-cloud/firestore';
import { toSortableTimestamp } from '../../shared/domain/timestamps';
import { messageSortKey } from '../../shared/domain/records';
import { parseConversationName } from '../../shared/domain/resourceNames';
import { toMessageDocument } from '../../shared/firestore/conversationStore';
import { messagesCollection } from '../../shared/firestore/paths';

/**
 * Many messages of one conversation written straight into Firestore, in batches, as the ingest functions
 * store them (toMessageDocument): for tests that need thousands of messages to read, not to ingest. The
 * conversation itself is ingested by the test, over HTTP.
 */
export async function seedMessages(
  db: Firestore,
  conversationName: string,
  messages: Array<{ id: string; createTime: string; role: string; content: string }>,
): Promise<void> {
  const conversation = parseConversationName(conversationName)!;
  for (let start = 0; start < messages.length; start += 500) {
    const batch = db.batch();
    for (const { id, createTime, role, content } of messages.slice(start, start + 500)) {
      const sortable = toSortableTimestamp(createTime)!;
      const payload = { name: `${conversationName}/messages/${id}`, content, participant: `${conversationName}/participants/${role}`, participantRole: role, createTime };
      batch.set(
        messagesCollection(db, conversation).doc(id),
        toMessageDocument({ conversation, messageId: id, createTime: sortable, sortKey: messageSortKey(sortable, id), participantRole: role, payloadJson: JSON.stringify(payload) }, 0),
      );
    }
    await batch.commit();
  }
}
