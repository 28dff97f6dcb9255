import { forEachConcurrently } from './boundedConcurrency';
import { mergeConversationSnapshot, mergeFailedRead, type ConversationSnapshot } from './conversationState';
import { toConversationSnapshot } from './dialogflowResources';
import type { WriteResult } from './outcomes';
import { mergeListedParticipants } from './participants';
import type { ConversationStore, DialogflowConversations, DueConversation, ReconcileQueue } from './ports';
import type { ConversationId, ConversationParent } from './resourceNames';
import { formatSortableTimestamp, parseTimestampNanos } from './timestamps';
export { reconcileDueTime } from './reconcileSchedule';

/**
 * Reconcile: asking Dialogflow's API, on a schedule, about the conversations
 * whose events cannot tell everything (their profile and phone number, their
 * stage before a human was needed, an auto-completion after 24 hours, an end
 * whose event was lost).
 *
 * When a conversation next needs asking is a function of its state, so it is
 * stored with it (the adapter's `reconcileDueKey`) and the queue is a query on
 * it: a run takes the earliest due first, page after page, `concurrency` calls
 * at once, until its time budget is spent or nothing due is left; each read
 * moves the conversation later or out of the queue. A run stopped at any point
 * has finished every conversation it took, and leaves the others due as they
 * were, so a backlog drains over runs without a cursor that could go stale.
 */

export interface ReconcileLimits {
  /** Dialogflow calls in flight at once (the client spaces them within its QPS). */
  concurrency: number;
  /** No conversation is taken after this long (ms); those in flight finish, the rest wait for the next run. */
  budgetMs: number;
}

/** Why a run stopped: nothing due was left, its budget was spent, or Dialogflow kept refusing (quota, outage). */
export type ReconcileStop = 'drained' | 'budget' | 'dialogflow-unavailable';

export interface ReconcileReport {
  parent: string;
  stoppedBy: ReconcileStop;
  /** Due conversations taken this run; more may wait for the next run (see stoppedBy). */
  taken: number;
  refreshed: number;
  unchanged: number;
  /** Gone from Dialogflow (purged after 30 days): kept as they are, and never asked again. */
  purged: number;
  /** Reads that failed after the client's retries: asked again an hour later (READ_AGAIN_AFTER), never dropped. */
  failedCount: number;
  /** The first few of them, for the log. */
  failed: Array<{ conversation: string; reason: string }>;
  /** Seconds since the earliest due time still waiting when the run stopped (0: no backlog): the backlog's age. */
  oldestDueAgeSeconds: number;
  /** The most Dialogflow calls in flight at once. */
  maxConcurrency: number;
  /** What the run cost. */
  dialogflowCalls: number;
  firestoreReads: number;
  firestoreWrites: number;
}

export interface ReconcileDependencies {
  dialogflow: DialogflowConversations;
  store: ConversationStore;
  queue: ReconcileQueue;
  /** The current time, epoch milliseconds. */
  clock: () => number;
  defaultLocation: string;
}

const REPORTED_FAILURES = 20;
/** Due conversations read per query: enough to keep every call busy while the next page is read. */
const pageSizeFor = (concurrency: number) => Math.min(500, Math.max(20, concurrency * 4));

/** One run for one parent: the due conversations, earliest first, within the limits. */
export async function reconcileDueConversations(deps: ReconcileDependencies, parent: ConversationParent, limits: ReconcileLimits): Promise<ReconcileReport> {
  const startedMs = deps.clock();
  const deadlineMs = startedMs + limits.budgetMs;
  const started = sortable(startedMs);
  const report = emptyReport(parent);
  let unavailable = false;
  const due = dueConversations(deps.queue, parent, started, pageSizeFor(limits.concurrency), report);
  const keepTaking = () => !unavailable && deps.clock() < deadlineMs;
  const { maxInFlight, exhausted } = await forEachConcurrently(due, limits.concurrency, keepTaking, async ({ id }) => {
    report.taken += 1;
    const outcome = await reconcileConversation(deps, id, deadlineMs, report);
    // Dialogflow pushes back (quota, outage) past the client's retries: the rest waits for the next run.
    if (outcome === 'unavailable') unavailable = true;
  });
  report.stoppedBy = unavailable ? 'dialogflow-unavailable' : exhausted ? 'drained' : 'budget';
  report.maxConcurrency = maxInFlight;
  const nowMs = deps.clock();
  const earliest = await deps.queue.earliestDueTime(parent, sortable(nowMs));
  report.firestoreReads += 1;
  report.oldestDueAgeSeconds = earliest === undefined ? 0 : Math.max(0, Math.floor((nowMs - nanosToMs(earliest)) / 1000));
  return report;
}

/**
 * The queue, page after page, each read from its start: what a run finished is no longer due by `dueBy`, and
 * what it took and has not finished yet (at most `concurrency`) is skipped by name, so no cursor is needed (the
 * embedded emulator ignores cursors) and nothing is taken twice. The names held are what one run can take
 * (budget x QPS: 2,000 at the defaults), never the backlog. A page with nothing new ends the run's listing.
 */
async function* dueConversations(queue: ReconcileQueue, parent: ConversationParent, dueBy: string, pageSize: number, report: ReconcileReport): AsyncGenerator<DueConversation> {
  const taken = new Set<string>();
  for (;;) {
    const page = await queue.listDue(parent, dueBy, pageSize);
    // A query bills one read even when it returns nothing.
    report.firestoreReads += Math.max(1, page.length);
    const fresh = page.filter((due) => !taken.has(due.id.name));
    for (const due of fresh) {
      taken.add(due.id.name);
      yield due;
    }
    if (fresh.length === 0 || page.length < pageSize) return;
  }
}

/** One conversation: ask Dialogflow, merge the answer (or the failure) into the stored state. */
async function reconcileConversation(deps: ReconcileDependencies, id: ConversationId, deadlineMs: number, report: ReconcileReport): Promise<'done' | 'unavailable'> {
  const readTime = sortable(deps.clock());
  report.dialogflowCalls += 1;
  let answer: Awaited<ReturnType<DialogflowConversations['getConversation']>> | Error;
  try {
    answer = await deps.dialogflow.getConversation(id.name, { retryUntil: deadlineMs });
  } catch (error) {
    answer = error instanceof Error ? error : new Error(String(error));
  }
  const snapshot = answer instanceof Error ? undefined : answer.found ? toConversationSnapshot(answer.conversation, readTime, deps.defaultLocation) : undefined;
  // Dialogflow's final word on the conversation (it is never asked again): its participants too, before the
  // conversation is written, so that a listing that fails leaves the read failed and due again an hour later.
  const read = snapshot?.ok && snapshot.value.id.name === id.name ? snapshot.value.snapshot : undefined;
  if (read?.found && read.lifecycleState === 'COMPLETED') {
    const failed = await storeListedParticipants(deps, id, read, deadlineMs, report).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    if (failed) answer = failed;
  }
  if (answer instanceof Error || (snapshot && (!snapshot.ok || snapshot.value.id.name !== id.name))) {
    const reason = answer instanceof Error ? answer.message : snapshot && !snapshot.ok ? snapshot.problem : `Dialogflow answered for another conversation`;
    report.failedCount += 1;
    if (report.failed.length < REPORTED_FAILURES) report.failed.push({ conversation: id.name, reason: reason.slice(0, 300) });
    await count(report, deps.store.updateConversation(id, (current) => mergeFailedRead(current, id, readTime)));
    return answer instanceof Error && (answer as { retryable?: unknown }).retryable === true ? 'unavailable' : 'done';
  }
  const merged = snapshot?.ok ? snapshot.value.snapshot : ({ found: false, readTime } as const);
  const written = await count(report, deps.store.updateConversation(id, (current) => mergeConversationSnapshot(current, id, merged)));
  if (!merged.found) report.purged += 1;
  else if (written === 'stored') report.refreshed += 1;
  else report.unchanged += 1;
  return 'done';
}

/** participants.list of a completed conversation, merged into the stored participants, and what it cost in the report. */
async function storeListedParticipants(
  deps: ReconcileDependencies,
  id: ConversationId,
  snapshot: ConversationSnapshot & { found: true },
  retryUntil: number,
  report: ReconcileReport,
): Promise<void> {
  report.dialogflowCalls += 1;
  const problems: string[] = [];
  const { participants, written } = await mergeListedParticipants(deps, id, snapshot.endTime ?? snapshot.startTime ?? undefined, problems, retryUntil);
  // Each merge is a transaction reading the conversation and the participant, writing when it changed the participant.
  report.firestoreReads += 2 * participants;
  report.firestoreWrites += written;
  // A participant that cannot be stored (misnamed, over the size limit) is a failure of the run's, counted and named;
  // the conversation's read stands (asking again would find the same participant).
  if (problems.length > 0) {
    report.failedCount += 1;
    if (report.failed.length < REPORTED_FAILURES) report.failed.push({ conversation: id.name, reason: problems[0]!.slice(0, 300) });
  }
}

/** A transaction reads the conversation, and writes it when the merge changed it. */
async function count(report: ReconcileReport, write: Promise<WriteResult>): Promise<WriteResult> {
  const result = await write;
  report.firestoreReads += 1;
  if (result === 'stored') report.firestoreWrites += 1;
  return result;
}

function emptyReport(parent: ConversationParent): ReconcileReport {
  return {
    parent: `projects/${parent.project}/locations/${parent.location}`,
    stoppedBy: 'drained',
    taken: 0,
    refreshed: 0,
    unchanged: 0,
    purged: 0,
    failedCount: 0,
    failed: [],
    oldestDueAgeSeconds: 0,
    maxConcurrency: 0,
    dialogflowCalls: 0,
    firestoreReads: 0,
    firestoreWrites: 0,
  };
}

const sortable = (epochMs: number) => formatSortableTimestamp(BigInt(Math.floor(epochMs)) * 1_000_000n);
const nanosToMs = (sortableTime: string) => Number((parseTimestampNanos(sortableTime) ?? 0n) / 1_000_000n);
