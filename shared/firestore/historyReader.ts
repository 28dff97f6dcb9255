import type { Firestore, Query, QueryDocumentSnapshot } from '@google-cloud/firestore';
import { rowBytes, type ConversationRow, type ConversationScan, type ConversationWindow, type HistoryReader, type MessageRow, type PageWindow, type ParticipantRow } from '../domain/history/ports';
import type { KeyRange } from '../domain/history/queryPlans';
import { fromConversationDocument, isTombstone } from './conversationStore';
import { withDeadline } from './deadline';
import { conversationDocument, conversationsCollection, messagesCollection, participantsCollection } from './paths';

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
      // With a residual condition the query's limit is the scan bound; the rows kept are counted against window.limit.
      const scanned = window.residual ? { ...window, limit: window.residual.maxScanned } : window;
      return withDeadline('conversation list', deadlineMs, () => readRows(keysetPage(query, plan.orderBy, plan.range, scanned), window, toRow));
    },

    async listMessages(conversation, range, window) {
      const toRow = (doc: QueryDocumentSnapshot): MessageRow => ({ sortKey: doc.get('sortKey') as string, payloadJson: doc.get('payloadJson') as string });
      const { rows } = await withDeadline('message list', deadlineMs, () => readRows(keysetPage(messagesCollection(db, conversation), 'sortKey', range, window), window, toRow));
      return rows;
    },

    async getParticipant(conversation, participantId) {
      const snapshot = await withDeadline('participant read', deadlineMs, () => participantsCollection(db, conversation).doc(participantId).get());
      return snapshot.exists ? toParticipantRow(snapshot as QueryDocumentSnapshot) : undefined;
    },

    async listParticipants(conversation, window) {
      // A range on the id field rather than a cursor: the embedded emulator ignores cursors. Streamed and closed at
      // the window's bytes like the other pages: a Participant as Dialogflow listed it may be large.
      let query: Query = participantsCollection(db, conversation);
      if (window.after !== undefined) query = query.where('participantId', '>', window.after);
      const { rows } = await withDeadline('participant list', deadlineMs, () => readRows(query.orderBy('participantId').limit(window.limit), window, toParticipantRow));
      return rows;
    },
  };
}

function toParticipantRow(doc: QueryDocumentSnapshot): ParticipantRow {
  const role = doc.get('role') as ParticipantRow['role'] | undefined;
  const dialogflowJson = doc.get('dialogflowJson') as string | undefined;
  return { sortKey: doc.id, ...(role !== undefined ? { role } : {}), ...(typeof dialogflowJson === 'string' ? { dialogflowJson } : {}) };
}

/**
 * The query's rows until two or more weigh more than `maxBytes` (the last one included), then the stream is closed
 * (PageWindow). With a residual (ConversationWindow) only the rows it keeps are held and counted, `limit` of them at
 * most, and after `maxScanned` documents read the stream is closed and the last one's sort key returned.
 */
async function readRows<Row extends ConversationRow | MessageRow | ParticipantRow>(
  query: Query,
  window: ConversationWindow,
  toRow: (doc: QueryDocumentSnapshot) => Row | undefined,
): Promise<{ rows: Row[]; scannedTo?: string }> {
  const keep = window.residual ? (row: Row) => 'state' in row && window.residual!.keep(row.state) : () => true;
  const rows: Row[] = [];
  let bytes = 0;
  let scanned = 0;
  let lastKey: string | undefined;
  // Leaving the loop destroys the stream, which cancels the query.
  for await (const doc of query.stream() as AsyncIterable<QueryDocumentSnapshot>) {
    scanned += 1;
    const row = toRow(doc);
    if (row) {
      lastKey = row.sortKey;
      if (keep(row)) {
        rows.push(row);
        bytes += rowBytes(row);
        if (rows.length >= window.limit || (bytes > window.maxBytes && rows.length >= 2)) return { rows };
      }
    }
    if (window.residual && scanned >= window.residual.maxScanned) return { rows, ...(lastKey !== undefined ? { scannedTo: lastKey } : {}) };
  }
  return { rows };
}
