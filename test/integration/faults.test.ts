import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import { sleepOwnTime, trackRunDelay } from '../support/runDelay';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';
import { testFirestore } from '../support/stack';
import {
  allAttempts,
  captureStderr,
  checkStackLog,
  compareWithStore,
  createAckAuditor,
  deliverAll,
  describeReport,
  expectedStore,
  isRunning,
  recordedConversation,
  sleep,
  startPushSubscription,
  type PushMessage,
  type SubscriptionReport,
} from '../support/pushSubscriptionSimulator';
import { LOAD_RUN_GUARD_MS, LOAD_TEST_TIMEOUT_MS } from '../support/loadGuard';
import { startOwnFirestore } from '../support/ownStack';

/**
 * Thousands of deliveries through the real HTTP functions while Firestore
 * fails for a few seconds in the middle: nothing may be acknowledged that was
 * not written, and once Firestore is back every event must end up stored
 * exactly once, each request answered well inside the push ack deadline.
 *
 * The stack is its own process whose FIRESTORE_EMULATOR_HOST is a fault
 * proxy in front of the emulator; the checks read the emulator directly.
 */

const DEADLINE_MS = 1_000;
// Sized by what it proves: deliveries in flight before, during and after the fault, repeats included.
const CONVERSATIONS = 40;
const MESSAGES_PER_CONVERSATION = 15;
const CONCURRENCY = 25;
// Longer than the deadline, so that requests are answered 503 during it, not only slowed.
const FAULT_MS = 1_800;
const LOG_PATH = join(process.cwd(), '.test-output', 'faults-stack.log');

let proxy: FaultProxy;
let stack: SpawnedStack;
let stderr: () => string;

beforeAll(async () => {
  proxy = await startFaultProxy(await startOwnFirestore());
  stack = await spawnStack(
    { FIRESTORE_EMULATOR_HOST: proxy.host, FIRESTORE_DEADLINE_MS: String(DEADLINE_MS), LOG_LEVEL: 'WARNING' },
    LOG_PATH,
  );
  stderr = captureStderr(stack.process);
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
});

/** One message in ten is delivered twice even though it was acknowledged, as Pub/Sub may do. */
const repeatATenth = (_message: PushMessage, _index: number, random: () => number) => (random() < 0.1 ? 2 : 1);

function workload(tag: string): PushMessage[] {
  return Array.from({ length: CONVERSATIONS }, (_, index) =>
    recordedConversation(`CvFault${tag}${String(index).padStart(3, '0')}`, {
      messages: MESSAGES_PER_CONVERSATION,
      humanIntervention: index % 2 === 0,
      startMinute: index,
      messageIdPrefix: `${tag}-${index}-`,
    }),
  ).flat();
}

const cases = [
  { mode: 'reset' as const, what: 'unreachable (every connection reset)' },
  { mode: 'blackhole' as const, what: 'hanging (connections accepted, never answered)' },
];

describe.each(cases)('while Firestore is $what for a stretch in the middle of the load', ({ mode }) => {
  it('acknowledges only what is stored, then stores every event exactly once, answering each request within the deadline', async () => {
    const tag = randomUUID().replaceAll('-', '').slice(0, 8);
    const messages = workload(tag);
    const auditor = createAckAuditor();
    const run = startPushSubscription(messages, {
      baseUrl: () => stack.url,
      concurrency: CONCURRENCY,
      copies: repeatATenth,
      maxAttempts: 40,
      timeLimitMs: LOAD_RUN_GUARD_MS,
      serverPid: () => stack.process.pid,
      onAcknowledged: (message) => auditor.record(message),
    });

    let report: SubscriptionReport;
    let faultStartMs: number;
    let faultEndMs: number;
    let acknowledgedAtFaultEnd: number;
    try {
      faultStartMs = (await run.waitFor((p) => p.acknowledged >= 0.3 * p.deliveries)).elapsedMs;
      proxy.setMode(mode);
      // On the stack's own time (the wall clock less its wait for a CPU): its deadline runs out inside the fault
      // however busy the machine is.
      await sleepOwnTime(stack.process.pid, FAULT_MS);
      proxy.setMode('forward');
      const atEnd = run.progress();
      faultEndMs = atEnd.elapsedMs;
      acknowledgedAtFaultEnd = atEnd.acknowledged;
      report = await run.done;
    } finally {
      proxy.setMode('forward');
      run.stop();
    }

    // The fault was in the middle of the load, and the stack answered it with 503s.
    expect(acknowledgedAtFaultEnd).toBeLessThan(report.deliveries);
    const attempts = allAttempts(report);
    const failedDuringFault = attempts.filter((a) => a.startedAtMs >= faultStartMs && a.startedAtMs < faultEndMs && a.status === 503);
    expect(failedDuringFault.length).toBeGreaterThan(0);
    // A store that is down or slow is 503 (retry), never 500 or a dropped connection.
    expect(Object.keys(report.statusCounts).sort()).toEqual(['200', '503']);

    // Once Firestore was back, every delivery was acknowledged, each message stored by at most one request.
    expect({ gaveUp: report.gaveUp, unfinished: report.unfinished }).toEqual({ gaveUp: 0, unfinished: 0 });
    expect(report.acknowledged).toBe(report.deliveries);
    expect(report.outcomeCounts['rejected'] ?? 0).toBe(0);
    const storedTwice = report.messages.filter((m) => m.deliveries.flatMap((d) => d.attempts).filter((a) => a.outcome === 'stored').length > 1);
    expect(storedTwice.map((m) => m.message.messageId)).toEqual([]);

    // Nothing acknowledged is missing (checked right after each 2xx, and at the end), nothing stored twice, nothing stored wrong.
    const audit = await auditor.settle();
    expect(audit.missing).toEqual([]);
    expect(audit.checked).toBe(report.acknowledged);
    const expected = expectedStore(messages);
    const comparison = await compareWithStore(expected);
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.conversations).toBe(CONVERSATIONS);
    expect(comparison.messageDocuments).toBe(CONVERSATIONS * MESSAGES_PER_CONVERSATION);

    // Every answer came well inside a push ack deadline, also while Firestore hung: on the stack's own time, the
    // wall clock less its wait for a CPU meanwhile (runDelay.ts).
    expect(report.maxOwnLatencyMs, describeReport(report)).toBeLessThan(3 * DEADLINE_MS);

    // No crash.
    expect(isRunning(stack.process)).toBe(true);
    const health = checkStackLog(LOG_PATH, stderr());
    expect(health.problems).toEqual([]);
    expect(health.events['ingest.failed'] ?? 0).toBeGreaterThan(0);

    console.log(
      [
        `faults (${mode}): ${CONVERSATIONS} conversations, ${messages.length} events, Firestore ${mode} for ${FAULT_MS} ms from ${(faultStartMs / 1000).toFixed(1)} s to ${(faultEndMs / 1000).toFixed(1)} s`,
        `  ${describeReport(report)}`,
        `  faults injected: 1 (${mode}), requests answered 503 that started during it: ${failedDuringFault.length}, all 503s: ${report.statusCounts['503'] ?? 0}`,
        `  events lost: ${audit.missing.length + comparison.mismatches.length} (acknowledged and checked right after: ${audit.checked}; message documents ${comparison.messageDocuments} of ${comparison.expectedMessageDocuments})`,
      ].join('\n'),
    );
  }, LOAD_TEST_TIMEOUT_MS);
});

describe('lifecycle updates that timed out while Firestore was unreachable', () => {
  /*
   * Updates of one conversation answered 503 during an outage may still be
   * running after the store is back (the Firestore client retries a failed
   * transaction with backoff), while later lifecycle events of that same
   * conversation are stored and acknowledged. Whatever those late updates
   * write must not undo an acknowledged event. The load above rarely has two
   * lifecycle events of one conversation in flight at once; here many are,
   * which only widens the window (two would do).
   */
  it('never undoes a lifecycle event acknowledged after the outage', async () => {
    const tag = randomUUID().replaceAll('-', '').slice(0, 8);
    // Four conversations side by side: four chances at the race in one run.
    const conversations = Array.from({ length: 4 }, (_, index) => {
      const conversation = `projects/demo-project/locations/global/conversations/CvTimedOut${tag}${index}`;
      let sequence = 0;
      const lifecycle = (type: string): PushMessage => ({
        publishTime: new Date(Date.UTC(2026, 10, 2, 9) + sequence * 1_000).toISOString(),
        messageId: `${tag}-${index}-${sequence++}`,
        event: { conversation, type },
      });
      return {
        started: lifecycle('CONVERSATION_STARTED'),
        duringOutage: Array.from({ length: 10 }, () => lifecycle('HUMAN_INTERVENTION_NEEDED')),
        afterOutage: [...Array.from({ length: 59 }, () => lifecycle('HUMAN_INTERVENTION_NEEDED')), lifecycle('CONVERSATION_FINISHED')],
      };
    });
    const everything = conversations.flatMap((c) => [c.started, ...c.duringOutage, ...c.afterOutage]);
    const refused = conversations.flatMap((c) => c.duringOutage);
    const acknowledged: PushMessage[] = [];
    const options = { baseUrl: () => stack.url, onAcknowledged: (message: PushMessage) => acknowledged.push(message) };

    const first = await deliverAll(conversations.map((c) => c.started), { ...options, concurrency: conversations.length });
    expect(first.acknowledged).toBe(conversations.length);
    proxy.setMode('reset');
    let outage: SubscriptionReport;
    try {
      // One attempt each while the store is down: all are refused, their updates left to time out.
      outage = await deliverAll(refused, { ...options, concurrency: refused.length, maxAttempts: 1 });
    } finally {
      proxy.setMode('forward');
    }
    const backAt = performance.now();
    const stackWaiting = trackRunDelay(stack.process.pid);
    expect(outage.statusCounts).toEqual({ '503': refused.length });
    // Later events of each conversation, in order, two at a time, each redelivered until acknowledged:
    // stored while the client may still be retrying the timed-out updates.
    const later = await Promise.all(
      conversations.map((c) => deliverAll(c.afterOutage, { ...options, concurrency: 2, shuffle: false, timeLimitMs: LOAD_RUN_GUARD_MS / 2 })),
    );
    // Then Pub/Sub redelivers the refused ones.
    const redelivered = await deliverAll(refused, { ...options, concurrency: refused.length, timeLimitMs: LOAD_RUN_GUARD_MS / 2 });
    expect(acknowledged.length).toBe(everything.length);
    // The client retries a failed transaction at most 4 more times, within about 10 s (backoff 1 s x 1.5^n,
    // with jitter): 14 s after the store came back, every timed-out update has committed or failed for good.
    // Counted on the stack's own time (its retry timers fire late when it waits for a CPU).
    while (performance.now() - backAt - stackWaiting.waitedMs() < 14_000) await sleep(50);
    stackWaiting.stop();

    const kept = new Set<string>();
    for (const c of conversations) {
      const stored = (await testFirestore().doc(String(c.started.event['conversation'])).get()).data();
      for (const event of (stored?.['lifecycleEvents'] ?? []) as Array<{ pubsubMessageId: string }>) kept.add(event.pubsubMessageId);
    }
    const lost = acknowledged.filter((message) => !kept.has(message.messageId)).map((message) => message.messageId);
    const comparison = await compareWithStore(expectedStore(everything));
    console.log(
      [
        `timed-out updates: ${conversations.length} conversations of ${everything.length / conversations.length} lifecycle events, ${refused.length} refused during a reset outage`,
        `  after the outage: ${later.reduce((sum, r) => sum + r.acknowledged, 0)} acknowledged with ${later.reduce((sum, r) => sum + r.requests, 0)} requests, max latency ${Math.max(...later.map((r) => r.maxLatencyMs)).toFixed(0)} ms`,
        `  redelivered: ${describeReport(redelivered)}`,
        `  acknowledged events lost: ${lost.length} ${lost.join(', ')}`,
      ].join('\n'),
    );
    expect(lost).toEqual([]);
    expect(comparison.mismatches).toEqual([]);
  }, LOAD_TEST_TIMEOUT_MS);
});
