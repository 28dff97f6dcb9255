import type { Firestore } from '@google-cloud/firestore';
import type { ReconcileQueue } from '../domain/ports';
import { parseConversationName } from '../domain/resourceNames';
import { RECONCILE_DUE_FIELD } from './conversationStore';
import { withDeadline } from './deadline';
import { conversationsCollection } from './paths';

/**
 * The reconcile queue: a range query on the due time the conversation store writes with each conversation.
 * Reads at most `limit` documents (one when none is due), and only their names.
 */
export function createFirestoreReconcileQueue(db: Firestore, options: { deadlineMs: number }): ReconcileQueue {
  return {
    async listDue(parent, dueBy, limit) {
      const snapshot = await withDeadline('reconcile queue read', options.deadlineMs, () =>
        conversationsCollection(db, parent).where(RECONCILE_DUE_FIELD, '<=', dueBy).orderBy(RECONCILE_DUE_FIELD, 'asc').limit(limit).select('name').get(),
      );
      return snapshot.docs.flatMap((doc) => {
        const id = parseConversationName(String(doc.get('name')));
        return id ? [id] : [];
      });
    },
  };
}
