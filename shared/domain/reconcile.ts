import { mergeConversationSnapshot, mergeFailedRead } from './conversationState';
import { toConversationSnapshot } from './dialogflowResources';
import type { WriteResult } from './outcomes';
import type { ConversationStore, DialogflowConversations, ReconcileQueue } from './ports';
import type { ConversationParent } from './resourceNames';
export { reconcileDueTime } from './reconcileSchedule';

/**
 * Reconcile: asking Dialogflow's API, on a schedule, about the conversations
 * whose events cannot tell everything (their profile and phone number, their
 * stage before a human was needed, an auto-completion after 24 hours, an end
 * whose event was lost).
 *
 * When a conversation next needs asking is a function of its state, so it is
 * stored with it (the adapter's `reconcileDueKey`) and the queue is a query on
 * it: a run takes the earliest due first, and each read moves the conversation
 * later or out of the queue, so a backlog drains over runs without a cursor
 * that could go stale.
 */

export interface ReconcileReport {
  parent: string;
  /** Due conversations taken this run (at most the batch size; more may wait for the next run). */
  taken: number;
  refreshed: number;
  unchanged: number;
  /** Gone from Dialogflow (purged after 30 days): kept as they are, and never asked again. */
  purged: number;
  failed: Array<{ conversation: string; reason: string }>;
  /** What the run cost. */
  dialogflowCalls: number;
  firestoreReads: number;
  firestoreWrites: number;
}

export interface ReconcileDependencies {
  dialogflow: DialogflowConversations;
  store: ConversationStore;
  queue: ReconcileQueue;
  /** The current time, sortable form. */
  now: () => string;
  defaultLocation: string;
}

/** One run for one parent: the due conversations, earliest first, at most `batchSize` of them. */
export async function reconcileDueConversations(deps: ReconcileDependencies, parent: ConversationParent, batchSize: number): Promise<ReconcileReport> {
  const started = deps.now();
  const due = await deps.queue.listDue(parent, started, batchSize);
  const report: ReconcileReport = {
    parent: `projects/${parent.project}/locations/${parent.location}`,
    taken: due.length,
    refreshed: 0,
    unchanged: 0,
    purged: 0,
    failed: [],
    dialogflowCalls: 0,
    // A query bills one read even when it returns nothing.
    firestoreReads: Math.max(1, due.length),
    firestoreWrites: 0,
  };
  for (const id of due) {
    const readTime = deps.now();
    report.dialogflowCalls += 1;
    let answer: Awaited<ReturnType<DialogflowConversations['getConversation']>> | Error;
    try {
      answer = await deps.dialogflow.getConversation(id.name);
    } catch (error) {
      answer = error instanceof Error ? error : new Error(String(error));
    }
    const snapshot = answer instanceof Error ? undefined : answer.found ? toConversationSnapshot(answer.conversation, readTime, deps.defaultLocation) : undefined;
    if (answer instanceof Error || (snapshot && (!snapshot.ok || snapshot.value.id.name !== id.name))) {
      const reason = answer instanceof Error ? answer.message : snapshot && !snapshot.ok ? snapshot.problem : `Dialogflow answered for another conversation`;
      report.failed.push({ conversation: id.name, reason: reason.slice(0, 300) });
      await count(report, deps.store.updateConversation(id, (current) => mergeFailedRead(current, id, readTime)));
      continue;
    }
    const merged = snapshot?.ok ? snapshot.value.snapshot : ({ found: false, readTime } as const);
    const written = await count(report, deps.store.updateConversation(id, (current) => mergeConversationSnapshot(current, id, merged)));
    if (!merged.found) report.purged += 1;
    else if (written === 'stored') report.refreshed += 1;
    else report.unchanged += 1;
  }
  return report;
}

/** A transaction reads the conversation, and writes it when the merge changed it. */
async function count(report: ReconcileReport, write: Promise<WriteResult>): Promise<WriteResult> {
  const result = await write;
  report.firestoreReads += 1;
  if (result === 'stored') report.firestoreWrites += 1;
  return result;
}
