import { Firestore } from '@google-cloud/firestore';
import { messageSortKey } from '../shared/domain/records';
import { parseConversationName } from '../shared/domain/resourceNames';
import { formatSortableTimestamp } from '../shared/domain/timestamps';
import { toConversationDocument, toMessageDocument } from '../shared/firestore/conversationStore';
import { emptyConversationState } from '../shared/domain/conversationState';
import { EMULATOR_PROJECT_ID } from '../shared/platform/config';
import { missingGoogleEmulators, startGoogleEmulator } from '../shared/local/googleEmulators';
import { difference, startCountingFirestore, type OperationCounts } from './lib/countingFirestore';
import { startServer } from './lib/processes';
import { median, ratio } from './lib/stats';

/**
 * 6. Query paging: a conversation of 10,000 messages, listed in pages of
 * 100 from the newest to the oldest. Documents read per page, counted at the
 * embedded emulator's gRPC service; latency of the first and the last page
 * on Google's Firestore emulator where installed (the embedded one scans the
 * whole collection on every query: its latencies measure that scan, not the
 * query, and are not judged).
 */
export interface QueryPaging {
  /** Where the latencies were measured. */
  latencyEmulator: string;
  /** Whether they say anything of a keyset query (Google's emulator indexes; the embedded one scans). */
  latencyJudged: boolean;
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
  const counted = await startCountingFirestore();
  const reads = await pageThrough(counted.host, 1, counted.counts);
  counted.stop();
  const google = missingGoogleEmulators() === undefined;
  if (!google) return { ...reads, latencyEmulator: 'the embedded emulator (Google\'s is not installed here)', latencyJudged: false };
  const emulator = await startGoogleEmulator('firestore');
  try {
    const timed = await pageThrough(emulator.host, options.passes);
    return { ...timed, maxDocumentsReadPerPage: reads.maxDocumentsReadPerPage, latencyEmulator: "Google's Firestore emulator", latencyJudged: true };
  } finally {
    await emulator.stop();
  }
}

async function pageThrough(host: string, passes: number, counts?: () => OperationCounts): Promise<Omit<QueryPaging, 'latencyEmulator' | 'latencyJudged'>> {
  const conversation = parseConversationName('projects/bench-project/locations/global/conversations/LongOne')!;
  // The client takes FIRESTORE_EMULATOR_HOST over a given host: this process's is set to the one measured.
  process.env['FIRESTORE_EMULATOR_HOST'] = host;
  const db = new Firestore({ projectId: EMULATOR_PROJECT_ID, host, ssl: false });
  const stack = await startServer('shared/local/start.ts', { FIRESTORE_EMULATOR_HOST: host, LOG_LEVEL: 'WARNING' }, { bundle: false });
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
    for (let pass = 0; pass < passes; pass++) {
      let token: string | undefined;
      pages = 0;
      do {
        const query = new URLSearchParams({ pageSize: String(PAGE_SIZE), ...(token ? { pageToken: token } : {}) });
        const before = counts?.();
        const started = performance.now();
        const response = await fetch(`${stack.url}/v2/${conversation.name}/messages?${query}`);
        const body = (await response.json()) as { messages: unknown[]; nextPageToken?: string };
        const elapsed = performance.now() - started;
        if (counts && before) maxReads = Math.max(maxReads, difference(counts(), before).documentReads);
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
  }
}
