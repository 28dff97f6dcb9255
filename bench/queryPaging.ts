import { Firestore } from '@google-cloud/firestore';
import { messageSortKey } from '../shared/domain/records';
import { parseConversationName } from '../shared/domain/resourceNames';
import { formatSortableTimestamp } from '../shared/domain/timestamps';
import { toConversationDocument, toMessageDocument } from '../shared/firestore/conversationStore';
import { emptyConversationState } from '../shared/domain/conversationState';
import { EMULATOR_PROJECT_ID } from '../shared/platform/config';
import { difference, startCountingFirestore } from './lib/countingFirestore';
import { startServer } from './lib/processes';
import { median, ratio } from './lib/stats';

/**
 * 5. Query paging: a conversation of 10,000 messages, listed in pages of
 * 100 from the newest to the oldest. Latency of the first and the last
 * page, and documents read per page (counted at the emulator).
 */
export interface QueryPaging {
  messages: number;
  pageSize: number;
  pages: number;
  firstPageMs: number;
  /** The first page that carries a keyset bound, as every later page does. */
  secondPageMs: number;
  lastPageMs: number;
  medianPageMs: number;
  lastToFirstRatio: number;
  maxDocumentsReadPerPage: number;
}

const TOTAL = 10_000;
const PAGE_SIZE = 100;

export async function benchQueryPaging(options: { passes: number }): Promise<QueryPaging> {
  const firestore = await startCountingFirestore();
  const conversation = parseConversationName('projects/bench-project/locations/global/conversations/LongOne')!;
  const db = new Firestore({ projectId: EMULATOR_PROJECT_ID, host: firestore.host, ssl: false });
  const stack = await startServer('shared/local/start.ts', { FIRESTORE_EMULATOR_HOST: firestore.host, LOG_LEVEL: 'WARNING' }, { bundle: false });
  try {
    // Seeded with the adapter's own document shapes, straight into the store: 10,000 deliveries would only slow the set-up.
    await db.doc(conversation.name).set(toConversationDocument(emptyConversationState(conversation), 0));
    for (let start = 0; start < TOTAL; start += 500) {
      const batch = db.batch();
      for (let index = start; index < Math.min(start + 500, TOTAL); index++) {
        const messageId = `M${String(index).padStart(5, '0')}`;
        const createTime = formatSortableTimestamp(BigInt(Date.UTC(2026, 10, 2, 14)) * 1_000_000n + BigInt(Math.floor(index / 4)) * 1_000_000_000n);
        batch.set(
          db.doc(`${conversation.name}/messages/${messageId}`),
          toMessageDocument(
            {
              conversation,
              messageId,
              createTime,
              sortKey: messageSortKey(createTime, messageId),
              participantRole: 'END_USER',
              payloadJson: JSON.stringify({ name: `${conversation.name}/messages/${messageId}`, content: 'hello', createTime }),
            },
            0,
          ),
        );
      }
      await batch.commit();
    }

    const firstPages: number[] = [];
    const secondPages: number[] = [];
    const lastPages: number[] = [];
    const allPages: number[] = [];
    let maxReads = 0;
    let pages = 0;
    for (let pass = 0; pass < options.passes; pass++) {
      let token: string | undefined;
      pages = 0;
      do {
        const query = new URLSearchParams({ pageSize: String(PAGE_SIZE), ...(token ? { pageToken: token } : {}) });
        const before = firestore.counts();
        const started = performance.now();
        const response = await fetch(`${stack.url}/v2/${conversation.name}/messages?${query}`);
        const body = (await response.json()) as { messages: unknown[]; nextPageToken?: string };
        const elapsed = performance.now() - started;
        maxReads = Math.max(maxReads, difference(firestore.counts(), before).documentReads);
        if (pages === 0) firstPages.push(elapsed);
        if (pages === 1) secondPages.push(elapsed);
        allPages.push(elapsed);
        token = body.nextPageToken;
        pages++;
        if (!token) lastPages.push(elapsed);
      } while (token);
    }
    const firstPageMs = median(firstPages.slice(1).length > 0 ? firstPages.slice(1) : firstPages);
    const lastPageMs = median(lastPages.slice(1).length > 0 ? lastPages.slice(1) : lastPages);
    return {
      messages: TOTAL,
      pageSize: PAGE_SIZE,
      pages,
      firstPageMs,
      secondPageMs: median(secondPages),
      lastPageMs,
      medianPageMs: median(allPages),
      lastToFirstRatio: ratio(lastPageMs, firstPageMs),
      maxDocumentsReadPerPage: maxReads,
    };
  } finally {
    await stack.stop();
    await db.terminate();
    firestore.stop();
  }
}
