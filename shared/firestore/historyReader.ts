import type { Firestore, Query } from '@google-cloud/firestore';
import type { HistoryReader, PageWindow } from '../domain/history/ports';
import type { KeyRange } from '../domain/history/queryPlans';
import { fromConversationDocument, isTombstone } from './conversationStore';
import { withDeadline } from './deadline';
import { conversationDocument, conversationsCollection, messagesCollection } from './paths';

/**
 * Keyset pages: one range on the field the page is ordered by, newest
 * first, and a limit. No cursors or offsets (offsets bill a read per
 * skipped document), so every page reads at most its limit, wherever it is.
 * Composite indexes these queries need are listed in indexes.ts.
 */
export function createFirestoreHistoryReader(db: Firestore, options: { deadlineMs: number }): HistoryReader {
  const { deadlineMs } = options;

  function keysetPage(query: Query, field: string, range: KeyRange, window: PageWindow): Query {
    const lt = window.before !== undefined && (range.lt === undefined || window.before < range.lt) ? window.before : range.lt;
    let page = query;
    if (range.gte !== undefined) page = page.where(field, '>=', range.gte);
    if (lt !== undefined) page = page.where(field, '<', lt);
    return page.orderBy(field, 'desc').limit(window.limit);
  }

  return {
    async getConversation(conversation) {
      const snapshot = await withDeadline('conversation read', deadlineMs, () => conversationDocument(db, conversation).get());
      // An erased conversation reads as no conversation (erasure.ts).
      return snapshot.exists && !isTombstone(snapshot.data()) ? fromConversationDocument(snapshot.data()!) : undefined;
    },

    async listConversations(parent, plan, window) {
      let query: Query = conversationsCollection(db, parent);
      if (plan.lifecycleState) query = query.where('lifecycleState', '==', plan.lifecycleState);
      const snapshot = await withDeadline('conversation list', deadlineMs, () => keysetPage(query, plan.orderBy, plan.range, window).get());
      // Firestore leaves out documents without the ordered field (tombstones of erased conversations have none);
      // an emulator that returns them anyway gets them left out here.
      return snapshot.docs
        .filter((doc) => typeof doc.get(plan.orderBy) === 'string' && !isTombstone(doc.data()))
        .map((doc) => ({ sortKey: doc.get(plan.orderBy) as string, state: fromConversationDocument(doc.data()) }));
    },

    async listMessages(conversation, range, window) {
      const snapshot = await withDeadline('message list', deadlineMs, () =>
        keysetPage(messagesCollection(db, conversation), 'sortKey', range, window).get(),
      );
      return snapshot.docs.map((doc) => ({ sortKey: doc.get('sortKey') as string, payloadJson: doc.get('payloadJson') as string }));
    },
  };
}
