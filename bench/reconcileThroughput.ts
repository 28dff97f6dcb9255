import { createDialogflowConversations } from '../shared/dialogflow/conversationsApi';
import { reconcileDueConversations } from '../shared/domain/reconcile';
import { parseParentName } from '../shared/domain/resourceNames';
import { createFirestore } from '../shared/firestore/createFirestore';
import { createFirestoreConversationStore } from '../shared/firestore/conversationStore';
import { createFirestoreReconcileQueue } from '../shared/firestore/reconcileQueue';
import { startEmbeddedFirestore } from '../shared/local/embeddedFirestore';
import { startDialogflowDouble } from '../test/support/dialogflowDouble';
import { seedDueConversations } from './lib/dueConversations';

/**
 * Reconcile's throughput in one run: the use case with its real adapters (the Firestore adapter on the embedded
 * emulator, Google's official client on the Dialogflow double) over a backlog of due conversations, the double
 * answering each call after `latencyMs`. Beside it the double's own floor, concurrency / latency: what the run
 * would reach if nothing but Dialogflow's latency took time.
 */
export async function benchReconcileThroughput(options: { conversations: number; concurrency: number; latencyMs: number }) {
  const firestore = await startEmbeddedFirestore();
  const dialogflow = await startDialogflowDouble();
  try {
    const parentName = 'projects/bench-reconcile/locations/global';
    const db = createFirestore({ projectId: 'demo-bench', databaseId: '(default)', emulatorHost: firestore.host });
    // Half of them read for the last time (COMPLETED), with participants.list: 1.5 calls a conversation.
    await seedDueConversations(db, dialogflow, parentName, options.conversations, 2 * 3_600_000, 0, true);
    dialogflow.delayMs = options.latencyMs;
    // The QPS out of the way: this measures what concurrency and the store allow, not a quota.
    const api = createDialogflowConversations('global', { endpoint: dialogflow.url, qps: 1000, maxAttempts: 3 });
    const deps = {
      dialogflow: api,
      store: createFirestoreConversationStore(db, { deadlineMs: 30_000, retentionDays: 0 }),
      queue: createFirestoreReconcileQueue(db, { deadlineMs: 30_000 }),
      clock: Date.now,
      defaultLocation: 'global',
    };
    const started = performance.now();
    const report = await reconcileDueConversations(deps, parseParentName(parentName)!, { concurrency: options.concurrency, budgetMs: 600_000 });
    const seconds = (performance.now() - started) / 1000;
    await db.terminate();
    const perSecond = report.taken / seconds;
    // What the calls alone would allow: concurrency / latency calls a second, over the calls each conversation needed.
    const callsPerConversation = report.dialogflowCalls / Math.max(1, report.taken);
    const floorPerSecond = options.concurrency / (options.latencyMs / 1000) / callsPerConversation;
    return { ...options, seconds, perSecond, floorPerSecond, ratioToFloor: perSecond / floorPerSecond, maxInFlight: dialogflow.maxInFlight, report };
  } finally {
    await dialogflow.close();
    await firestore.stop();
  }
}
