import type { Firestore, Query, QueryDocumentSnapshot } from '@google-cloud/firestore';
import { rowBytes, type ConversationRow, type HistoryReader, type MessageRow, type PageWindow } from '../domain/history/ports';
import type { KeyRange } from '../domain/history/queryPlans';
import { fromConversationDocument, isTombstone } from './conversationStore';
import { withDeadline } from './deadline';
import { conversationDocument, conversationsCollection, messagesCollection } from './paths';

/**
 * Keyset pages: one range on the field the page is ordered by, newest
 * first, and a limit. No cursors or offsets (offsets bill a read per
 * skipped document), so every page reads at most its limit, wherever it is.
 * Composite indexes these queries need are listed in indexes.ts. Documents
 * are read as a stream and the stream is closed once the rows hold more than
 * the window's bytes, so that a page of large documents is never read whole.
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
      // Firestore leaves out documents without the ordered field (tombstones of erased conversations have none);
      // an emulator that returns them anyway gets them left out here.
      const toRow = (doc: QueryDocumentSnapshot): ConversationRow | undefined =>
        typeof doc.get(plan.orderBy) === 'string' && !isTombstone(doc.data()) ? { sortKey: doc.get(plan.orderBy) as string, state: fromConversationDocument(doc.data()) } : undefined;
      return withDeadline('conversation list', deadlineMs, () => readRows(keysetPage(query, plan.orderBy, plan.range, window), window.maxBytes, toRow));
    },

    async listMessages(conversation, range, window) {
      const toRow = (doc: QueryDocumentSnapshot): MessageRow => ({ sortKey: doc.get('sortKey') as string, payloadJson: doc.get('payloadJson') as string });
      return withDeadline('message list', deadlineMs, () => readRows(keysetPage(messagesCollection(db, conversation), 'sortKey', range, window), window.maxBytes, toRow));
    },
  };
}

/** The query's rows until two or more weigh more than `maxBytes` (the last one included), then the stream is closed (PageWindow). */
async function readRows<Row extends ConversationRow | MessageRow>(query: Query, maxBytes: number, toRow: (doc: QueryDocumentSnapshot) => Row | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  let bytes = 0;
  for await (const doc of query.stream() as AsyncIterable<QueryDocumentSnapshot>) {
    const row = toRow(doc);
    if (!row) continue;
    rows.push(row);
    bytes += rowBytes(row);
    if (bytes > maxBytes && rows.length >= 2) break; // leaving the loop destroys the stream, which cancels the query
  }
  return rows;
}
