import type { Firestore } from '@google-cloud/firestore';
import type { ReconcileQueue } from '../domain/ports';
import { parseConversationName } from '../domain/resourceNames';
import { RECONCILE_DUE_FIELD } from './conversationStore';
import { withDeadline } from './deadline';
import { conversationsCollection } from './paths';

/**
 * The reconcile queue: a range query on the due time the conversation store writes with each conversation.
 * Reads at most `limit` documents (one when none is due), and only their names and due keys.
 */
export function createFirestoreReconcileQueue(db: Firestore, options: { deadlineMs: number }): ReconcileQueue {
  return {
    async listDue(parent, dueBy, limit) {
      const snapshot = await withDeadline('reconcile queue read', options.deadlineMs, () =>
        conversationsCollection(db, parent).where(RECONCILE_DUE_FIELD, '<=', dueBy).orderBy(RECONCILE_DUE_FIELD, 'asc').limit(limit).select('name', RECONCILE_DUE_FIELD).get(),
      );
      return snapshot.docs.flatMap((doc) => {
        const id = parseConversationName(String(doc.get('name')));
        return id ? [{ id, dueKey: String(doc.get(RECONCILE_DUE_FIELD)) }] : [];
      });
    },

    async earliestDueTime(parent, dueBy) {
      // '' (due at once: no start time known) sorts first and carries no time; the backlog's age is the rest's.
      const snapshot = await withDeadline('reconcile queue read', options.deadlineMs, () =>
        conversationsCollection(db, parent).where(RECONCILE_DUE_FIELD, '>', '').where(RECONCILE_DUE_FIELD, '<=', dueBy).orderBy(RECONCILE_DUE_FIELD, 'asc').limit(1).select(RECONCILE_DUE_FIELD).get(),
      );
      const first = snapshot.docs[0];
      return first ? String(first.get(RECONCILE_DUE_FIELD)) : undefined;
    },
  };
}
