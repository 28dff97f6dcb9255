import { describe, expect, it } from 'vitest';
import { emptyConversationState, type ConversationState } from '../../../shared/domain/conversationState';
import type { ConversationStore, DialogflowConversations, ReconcileQueue } from '../../../shared/domain/ports';
import { reconcileDueConversations, reconcileDueTime, type ReconcileDependencies } from '../../../shared/domain/reconcile';
import { parseConversationName } from '../../../shared/domain/resourceNames';
import { formatSortableTimestamp } from '../../../shared/domain/timestamps';

/**
 * One reconcile run over fakes of its ports, on a clock that moves only when Dialogflow is called: every due
 * conversation taken once across pages and ties, never more calls at once than the concurrency, a stop at the
 * budget or at Dialogflow's refusal that finishes what it took and leaves the rest due as it was.
 */

const parent = { project: 'p', location: 'global' };
const HOUR_MS = 3_600_000;
const NOW_MS = Date.UTC(2026, 10, 2, 14);
const sortable = (ms: number) => formatSortableTimestamp(BigInt(ms) * 1_000_000n);

/** A store and queue in memory, over the same documents; the queue orders by due key, then id, like Firestore's. */
function memoryBackend(count: number) {
  const states = new Map<string, ConversationState>();
  for (let i = 0; i < count; i++) {
    const id = parseConversationName(`projects/p/locations/global/conversations/c${String(i).padStart(4, '0')}`)!;
    // Three share each start (ties in the queue), started two hours ago or more.
    const start = sortable(NOW_MS - 2 * HOUR_MS - Math.floor((count - i) / 3) * 1000);
    states.set(id.name, { ...emptyConversationState(id), eventStartTime: start, startTime: start });
  }
  const writes: string[] = [];
  let failWrites = false;
  const dueKey = (state: ConversationState) => reconcileDueTime(state) ?? 'never';
  const queue: ReconcileQueue = {
    async listDue(_parent, dueBy, limit) {
      return [...states.values()]
        .map((state) => ({ id: parseConversationName(state.name)!, dueKey: dueKey(state) }))
        .filter((entry) => entry.dueKey <= dueBy)
        .sort((a, b) => (a.dueKey === b.dueKey ? a.id.conversationId.localeCompare(b.id.conversationId) : a.dueKey < b.dueKey ? -1 : 1))
        .slice(0, limit);
    },
    async earliestDueTime(_parent, dueBy) {
      return [...states.values()].map(dueKey).filter((key) => key !== '' && key <= dueBy).sort()[0];
    },
  };
  const store: ConversationStore = {
    async updateConversation(id, merge) {
      if (failWrites) throw Object.assign(new Error('Firestore unavailable'), { code: 14 });
      states.set(id.name, merge(states.get(id.name)));
      writes.push(id.name);
      return 'stored';
    },
    ensureConversation: async () => 'exists',
    createMessage: async () => 'stored',
    createRecognitionResult: async () => 'stored',
    ensureParticipant: async () => {},
    mergeListedParticipant: async () => 'stored',
  };
  return { states, writes, queue, store, failWritesFromNowOn: () => (failWrites = true) };
}

/** Dialogflow answering each call on a later turn of the event loop; each call moves the clock 10 ms. */
function fakeDialogflow(clock: { ms: number }, fail: (name: string) => Error | undefined = () => undefined) {
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const dialogflow: DialogflowConversations = {
    async getConversation(name) {
      calls.push(name);
      clock.ms += 10;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      const error = fail(name);
      if (error) throw error;
      return { found: true, conversation: { name, lifecycleState: 'IN_PROGRESS', conversationProfile: 'projects/p/locations/global/conversationProfiles/cp' } };
    },
    listConversations: () => (async function* () {})(),
    listMessages: () => (async function* () {})(),
    listParticipants: () => (async function* () {})(),
  };
  return { dialogflow, calls, maxInFlight: () => maxInFlight };
}

function dependencies(backend: ReturnType<typeof memoryBackend>, dialogflow: DialogflowConversations, clock: { ms: number }): ReconcileDependencies {
  return { dialogflow, store: backend.store, queue: backend.queue, clock: () => clock.ms, defaultLocation: 'global' };
}

describe('reconcileDueConversations', () => {
  it('takes every due conversation once, across pages and ties, with at most `concurrency` Dialogflow calls at once', async () => {
    const clock = { ms: NOW_MS };
    const backend = memoryBackend(257);
    const api = fakeDialogflow(clock);
    const report = await reconcileDueConversations(dependencies(backend, api.dialogflow, clock), parent, { concurrency: 7, budgetMs: HOUR_MS });
    expect(new Set(api.calls).size).toBe(257);
    expect(api.calls).toHaveLength(257);
    expect(api.maxInFlight()).toBe(7);
    expect(report).toMatchObject({ stoppedBy: 'drained', taken: 257, refreshed: 257, failedCount: 0, maxConcurrency: 7, oldestDueAgeSeconds: 0 });
    // Each conversation read once by a transaction, the earliest due time once, and pages of 28 (4 x concurrency)
    // that see again at most the 7 under way: fewer than 257 x 1.4 queue reads.
    expect(report.firestoreReads - 257 - 1).toBeGreaterThanOrEqual(257);
    expect(report.firestoreReads - 257 - 1).toBeLessThan(257 * 1.4);
  });

  it('stops taking conversations once its budget is spent, finishes those it took, and leaves the rest due as they were', async () => {
    const clock = { ms: NOW_MS };
    const backend = memoryBackend(100);
    const before = new Map(backend.states);
    const api = fakeDialogflow(clock);
    // 10 ms a call: 30 calls spend the budget.
    const report = await reconcileDueConversations(dependencies(backend, api.dialogflow, clock), parent, { concurrency: 4, budgetMs: 300 });
    expect(report.stoppedBy).toBe('budget');
    expect(report.taken).toBeGreaterThanOrEqual(30);
    expect(report.taken).toBeLessThanOrEqual(30 + 4);
    expect(backend.writes.sort()).toEqual([...api.calls].sort());
    const untouched = [...backend.states.entries()].filter(([name]) => !api.calls.includes(name));
    expect(untouched).toHaveLength(100 - report.taken);
    for (const [name, state] of untouched) expect(state).toBe(before.get(name));
    // The rest has waited since ten minutes after its start: nearly two hours.
    expect(report.oldestDueAgeSeconds).toBeGreaterThan(100 * 60);
  });

  it('stops taking conversations when Dialogflow keeps refusing, and moves the refused ones an hour later, not out', async () => {
    const clock = { ms: NOW_MS };
    const backend = memoryBackend(60);
    const quota = Object.assign(new Error('conversations.get: 429 RESOURCE_EXHAUSTED (after 3 attempts)'), { code: 429, retryable: true });
    const api = fakeDialogflow(clock, (name) => (name.endsWith('c0010') ? quota : undefined));
    const report = await reconcileDueConversations(dependencies(backend, api.dialogflow, clock), parent, { concurrency: 3, budgetMs: HOUR_MS });
    expect(report).toMatchObject({ stoppedBy: 'dialogflow-unavailable', failedCount: 1, failed: [{ conversation: expect.stringMatching(/c0010$/), reason: expect.stringContaining('429') }] });
    expect(report.taken).toBeLessThan(60);
    const refused = backend.states.get('projects/p/locations/global/conversations/c0010')!;
    const due = reconcileDueTime(refused)!;
    expect(due > sortable(clock.ms)).toBe(true);
    expect(due <= sortable(clock.ms + HOUR_MS)).toBe(true);
  });

  it('answers a failure of the store by throwing, once the calls under way have finished', async () => {
    const clock = { ms: NOW_MS };
    const backend = memoryBackend(40);
    const api = fakeDialogflow(clock, (name) => {
      if (name.endsWith('c0005')) backend.failWritesFromNowOn();
      return undefined;
    });
    await expect(reconcileDueConversations(dependencies(backend, api.dialogflow, clock), parent, { concurrency: 4, budgetMs: HOUR_MS })).rejects.toThrow('Firestore unavailable');
    expect(api.calls.length).toBeLessThan(40);
  });
});
