import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../support/faultProxy';
import { sleepOwnTime } from '../support/runDelay';
import { ownExitMs, spawnStack, type SpawnedStack, type StackExit } from '../support/spawnStack';
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
  startPushSubscription,
  type AttemptRecord,
  type PushMessage,
  type SubscriptionReport,
} from '../support/pushSubscriptionSimulator';
import { LOAD_RUN_GUARD_MS, LOAD_TEST_TIMEOUT_MS } from '../support/loadGuard';
import { startOwnFirestore } from '../support/ownStack';

/**
 * A push endpoint's process is replaced in the middle of the load (a
 * deploy, a scale-in, a crash loop): SIGTERM must let the requests in flight
 * finish and exit within 10 s; what is cut off is answered non-2xx (or not
 * at all) and delivered again, to the new process. Nothing acknowledged may
 * be lost, and every event must end up stored exactly once.
 */

const DEADLINE_MS = 1_000;
const CONCURRENCY = 25;
// Cloud Run's grace between SIGTERM and SIGKILL. A process's exit is measured on its own time (the wall clock less
// its wait for a CPU, runDelay.ts): what it waits for is the question, not how busy the machine is.
const GRACEFUL_EXIT_MS = 10_000;
// Where Firestore hangs through SIGTERM: requests wait this long for it, then are answered 503.
const HANGING_DEADLINE_MS = 3_000;

interface RunningStack {
  stack: SpawnedStack;
  logPath: string;
  stderr: () => string;
}

const started: RunningStack[] = [];

let ownFirestore: string;
beforeAll(async () => {
  ownFirestore = await startOwnFirestore();
});

async function startStack(name: string, firestoreHost = ownFirestore, deadlineMs = DEADLINE_MS): Promise<RunningStack> {
  const logPath = join(process.cwd(), '.test-output', `restart-${name}.log`);
  const stack = await spawnStack({ FIRESTORE_EMULATOR_HOST: firestoreHost, FIRESTORE_DEADLINE_MS: String(deadlineMs), LOG_LEVEL: 'WARNING' }, logPath);
  const running = { stack, logPath, stderr: captureStderr(stack.process) };
  started.push(running);
  return running;
}

afterAll(async () => {
  await Promise.all(started.map((running) => running.stack.stop()));
});

const repeatATenth = (_message: PushMessage, _index: number, random: () => number) => (random() < 0.1 ? 2 : 1);

function workload(prefix: string, conversations: number, messagesPerConversation: number) {
  const tag = randomUUID().replaceAll('-', '').slice(0, 8);
  return Array.from({ length: conversations }, (_, index) =>
    recordedConversation(`${prefix}${tag}${String(index).padStart(3, '0')}`, {
      messages: messagesPerConversation,
      humanIntervention: index % 2 === 0,
      startMinute: index,
      messageIdPrefix: `${tag}-${index}-`,
    }),
  ).flat();
}

interface Restart {
  kind: string;
  /** When SIGTERM was sent, in the run's time. */
  atMs: number;
  exit: StackExit;
  previous: RunningStack;
  /** Deliveries not yet acknowledged when the next process took over. */
  remainingAfter: number;
}

/** Everything that must hold once the run is over, whatever the restarts were. */
async function checkOutcome(report: SubscriptionReport, messages: PushMessage[], audit: { checked: number; missing: string[] }, restarts: Restart[], current: RunningStack) {
  const comparison = await compareWithStore(expectedStore(messages));
  const attempts = allAttempts(report);
  const toPrevious = (r: Restart) => attempts.filter((a) => a.origin === r.previous.stack.url);
  const inFlight = restarts.map((r) => toPrevious(r).filter((a) => a.startedAtMs < r.atMs && a.endedAtMs > r.atMs));
  const servedAfterSigterm = restarts.map((r) => toPrevious(r).filter((a) => a.startedAtMs > r.atMs && a.status === 200).length);
  const cut = (requests: AttemptRecord[]) => requests.filter((a) => a.status === 0).length;
  const summary = [
    `  ${describeReport(report)}`,
    ...restarts.map(
      (r, i) =>
        `  SIGTERM ${i + 1} (${r.kind}) at ${(r.atMs / 1000).toFixed(1)} s: exit ${r.exit.code} after ${r.exit.elapsedMs.toFixed(0)} ms (${r.exit.runQueueWaitMs.toFixed(0)} ms of it waiting for a CPU); ` +
        `in flight ${inFlight[i]!.length} (answered 2xx ${inFlight[i]!.filter((a) => a.status === 200).length}, cut off ${cut(inFlight[i]!)}); ` +
        `sent after SIGTERM and still answered 2xx by the stopping process: ${servedAfterSigterm[i]}; deliveries left for the next process: ${r.remainingAfter}`,
    ),
    `  events lost: ${audit.missing.length + comparison.mismatches.length} (acknowledged and checked right after: ${audit.checked}; message documents ${comparison.messageDocuments} of ${comparison.expectedMessageDocuments})`,
  ];

  // Each SIGTERM stopped its process cleanly, within 10 s, with requests in flight that it answered.
  for (const [i, restart] of restarts.entries()) {
    expect(restart.exit.code).toBe(0);
    expect(ownExitMs(restart.exit), summary[i + 1]).toBeLessThan(GRACEFUL_EXIT_MS);
    expect(inFlight[i]!.some((a) => a.status === 200)).toBe(true);
    expect(checkStackLog(restart.previous.logPath, restart.previous.stderr()).problems).toEqual([]);
  }
  // Not acknowledged means 503, or a connection refused or cut: never a 500.
  expect(Object.keys(report.statusCounts).filter((status) => status !== '200' && status !== '503' && !status.startsWith('0:'))).toEqual([]);

  // Every delivery acknowledged in the end; each message stored by at most one request.
  expect({ gaveUp: report.gaveUp, unfinished: report.unfinished }).toEqual({ gaveUp: 0, unfinished: 0 });
  expect(report.acknowledged).toBe(report.deliveries);
  expect(report.outcomeCounts['rejected'] ?? 0).toBe(0);
  const storedTwice = report.messages.filter((m) => m.deliveries.flatMap((d) => d.attempts).filter((a) => a.outcome === 'stored').length > 1);
  expect(storedTwice.map((m) => m.message.messageId)).toEqual([]);

  // Nothing acknowledged is lost, and the store holds exactly what a clean delivery stores.
  expect(audit.missing).toEqual([]);
  expect(audit.checked).toBe(report.acknowledged);
  expect(comparison.mismatches).toEqual([]);
  expect(comparison.messageDocuments).toBe(comparison.expectedMessageDocuments);

  expect(isRunning(current.stack.process)).toBe(true);
  expect(checkStackLog(current.logPath, current.stderr()).problems).toEqual([]);
  return summary;
}

describe('a stack restarted with SIGTERM in the middle of the load', () => {
  it('restarted cold, then replaced by a new process, loses nothing acknowledged and stores every event exactly once', async () => {
    // Enough that work is still left when the third process has started (a start takes a second or two).
    const messages = workload('CvRestart', 60, 22);
    let current = await startStack('cold-1');
    const auditor = createAckAuditor();
    const acknowledgedBy = new Map<string, number>();
    const run = startPushSubscription(messages, {
      // Where the subscription pushes now: after a restart, the new process's URL.
      baseUrl: () => current.stack.url,
      concurrency: CONCURRENCY,
      copies: repeatATenth,
      // A connection per request: a stopping process gets no new requests, as behind Cloud Run's front end.
      keepAlive: false,
      maxAttempts: 60,
      timeLimitMs: LOAD_RUN_GUARD_MS,
      onAcknowledged: (message, attempt) => {
        acknowledgedBy.set(attempt.origin, (acknowledgedBy.get(attempt.origin) ?? 0) + 1);
        auditor.record(message);
      },
    });

    const restarts: Restart[] = [];
    let report: SubscriptionReport;
    try {
      // 1. Cold: SIGTERM, wait for the exit, then a new process (on a new port), which Pub/Sub pushes to from then on.
      const first = current;
      const firstAtMs = (await run.waitFor((p) => p.acknowledged >= 0.25 * p.deliveries)).elapsedMs;
      const firstStop = await first.stack.stop();
      current = await startStack('cold-2');
      const afterFirst = run.progress();
      restarts.push({ kind: 'cold', atMs: firstAtMs, exit: firstStop, previous: first, remainingAfter: afterFirst.deliveries - afterFirst.acknowledged });

      // 2. Rolling, once the second process has done a fifth of what was left: start the next process,
      //    push there, then SIGTERM the second with its requests in flight.
      const second = current;
      const left = restarts[0]!.remainingAfter;
      await run.waitFor(() => (acknowledgedBy.get(second.stack.url) ?? 0) >= left / 5);
      const next = await startStack('cold-3');
      current = next;
      const secondAtMs = run.progress().elapsedMs;
      const secondStop = await second.stack.stop();
      const afterSecond = run.progress();
      restarts.push({ kind: 'rolling', atMs: secondAtMs, exit: secondStop, previous: second, remainingAfter: afterSecond.deliveries - afterSecond.acknowledged });
      report = await run.done;
    } finally {
      run.stop();
    }

    const audit = await auditor.settle();
    const summary = await checkOutcome(report, messages, audit, restarts, current);
    console.log([`restart (cold, then rolling): ${messages.length} events`, ...summary, `  acknowledged by process: ${JSON.stringify(Object.fromEntries(acknowledgedBy))}`].join('\n'));
    // Both restarts were in the middle of the load: each following process had deliveries to do.
    expect(restarts.map((r) => r.remainingAfter > 0)).toEqual([true, true]);
    expect([...acknowledgedBy.values()].every((count) => count > 0)).toBe(true);
    expect(acknowledgedBy.size).toBe(3);
  }, LOAD_TEST_TIMEOUT_MS);

  it('pushed to over kept-alive connections until its grace period ends, still exits within 10 s and loses nothing acknowledged', async () => {
    const messages = workload('CvKeptAlive', 40, 20);
    let current = await startStack('kept-alive-1');
    const auditor = createAckAuditor();
    const run = startPushSubscription(messages, {
      baseUrl: () => current.stack.url,
      concurrency: CONCURRENCY,
      copies: repeatATenth,
      keepAlive: true,
      maxAttempts: 60,
      timeLimitMs: LOAD_RUN_GUARD_MS,
      onAcknowledged: (message) => auditor.record(message),
    });
    const restarts: Restart[] = [];
    let report: SubscriptionReport;
    try {
      const first = current;
      const atMs = (await run.waitFor((p) => p.acknowledged >= 0.1 * p.deliveries)).elapsedMs;
      const stop = await first.stack.stop();
      current = await startStack('kept-alive-2');
      const after = run.progress();
      restarts.push({ kind: 'kept-alive connections', atMs, exit: stop, previous: first, remainingAfter: after.deliveries - after.acknowledged });
      report = await run.done;
    } finally {
      run.stop();
    }
    const audit = await auditor.settle();
    const summary = await checkOutcome(report, messages, audit, restarts, current);
    console.log([`restart (kept-alive connections): ${messages.length} events`, ...summary].join('\n'));
  }, LOAD_TEST_TIMEOUT_MS);

  it('answers every request in flight at SIGTERM before it exits, within 10 s, even while Firestore hangs', async () => {
    const proxy = await startFaultProxy(ownFirestore);
    try {
      // Firestore hangs: every request waits for the store until its deadline, long enough that all are in
      // flight at SIGTERM on a loaded machine too (what is proved is the drain, not the deadline's length).
      const hanging = await startStack('hanging', proxy.host, HANGING_DEADLINE_MS);
      const messages = workload('CvSigterm', 1, 18);
      proxy.setMode('blackhole');
      const run = startPushSubscription(messages, { baseUrl: () => hanging.stack.url, concurrency: messages.length, maxAttempts: 1 });
      await run.waitFor((p) => p.requests === messages.length);
      // Sent is not yet received: give the stack 600 ms of its own time to read them all (a loaded machine
      // stretches that), still well inside the deadline that will answer them.
      await sleepOwnTime(hanging.stack.process.pid, 600);
      const sigtermAtMs = run.progress().elapsedMs;
      const sigterm = hanging.stack.stop();
      const report = await run.done;
      const exit = await sigterm;
      proxy.setMode('forward');
      const line = `${messages.length} requests, answered ${JSON.stringify(report.statusCounts)} (max ${report.maxLatencyMs.toFixed(0)} ms); exit ${exit.code} after ${exit.elapsedMs.toFixed(0)} ms, ${exit.runQueueWaitMs.toFixed(0)} ms of it waiting for a CPU`;

      // Each was in flight at SIGTERM and got its answer (503: not stored, deliver again); none was cut off.
      expect(allAttempts(report).filter((a) => a.endedAtMs < sigtermAtMs).length, `answered before SIGTERM: ${line}`).toBe(0);
      expect(report.statusCounts, line).toEqual({ '503': messages.length });
      expect(exit.code, line).toBe(0);
      expect(ownExitMs(exit), line).toBeLessThan(GRACEFUL_EXIT_MS);
      expect(checkStackLog(hanging.logPath, hanging.stderr()).problems).toEqual([]);

      // Pub/Sub delivers them again, to another process; all are stored.
      const replacement = await startStack('hanging-replacement');
      const again = await deliverAll(messages, { baseUrl: () => replacement.stack.url, concurrency: 5 });
      expect(again.acknowledged).toBe(messages.length);
      const comparison = await compareWithStore(expectedStore(messages));
      expect(comparison.mismatches).toEqual([]);
      console.log(
        `restart (SIGTERM while Firestore hangs): ${line}; redelivered and stored: ${again.outcomeCounts['stored'] ?? 0}`,
      );
    } finally {
      proxy.setMode('forward');
      await proxy.close();
    }
  }, LOAD_TEST_TIMEOUT_MS);
});
