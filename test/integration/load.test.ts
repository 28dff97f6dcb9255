import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';
import { snapshotConversation } from '../support/store';
import {
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
 * A busy hour's traffic in one go: 80 conversations of about 34 events,
 * a third of the deliveries repeated, everything shuffled, 50 requests at a
 * time, through the real HTTP functions of a stack of our own (so that its
 * memory can be watched), against the emulator.
 */

// Sized by what it proves: enough traffic after the warm-up for memory growth to show, and every kind of event
// repeated and shuffled across many conversations at once.
const CONVERSATIONS = 80;
const MESSAGES_PER_CONVERSATION = 30;
const CONTROL_CONVERSATIONS = 10;
const CONCURRENCY = 50;
const LOG_PATH = join(process.cwd(), '.test-output', 'load-stack.log');

let stack: SpawnedStack;
let stderr: () => string;

beforeAll(async () => {
  stack = await spawnStack({ FIRESTORE_EMULATOR_HOST: await startOwnFirestore(), LOG_LEVEL: 'WARNING' }, LOG_PATH);
  stderr = captureStderr(stack.process);
});

afterAll(async () => {
  await stack?.stop();
});

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}

/** A third of the messages are delivered two or three times. */
const repeatAThird = (_message: PushMessage, _index: number, random: () => number) => (random() < 1 / 3 ? (random() < 0.5 ? 2 : 3) : 1);

function conversations(prefix: string, count: number, tag: string) {
  return Array.from({ length: count }, (_, index) => {
    const id = `${prefix}${tag}${String(index).padStart(3, '0')}`;
    return {
      id,
      index,
      name: `projects/demo-project/locations/global/conversations/${id}`,
      events: recordedConversation(id, {
        messages: MESSAGES_PER_CONVERSATION,
        humanIntervention: index % 3 === 0,
        startMinute: index,
        messageIdPrefix: `${tag}-${index}-`,
      }),
    };
  });
}

describe('a load of shuffled, repeated deliveries', () => {
  it('stores 80 shuffled conversations with repeats exactly as one clean in-order delivery does, with flat memory', async () => {
    const tag = randomUUID().replaceAll('-', '').slice(0, 8);
    const pid = stack.process.pid!;
    const url = () => stack.url;

    // Warm-up: the same kind of traffic, so that what is measured after is growth, not start-up.
    const warmUp = conversations('CvWarm', 20, tag).flatMap((c) => c.events);
    const warmReport = await deliverAll(warmUp, { baseUrl: url, concurrency: CONCURRENCY, copies: repeatAThird });
    expect(warmReport.acknowledged).toBe(warmReport.deliveries);
    await sleep(1_000);
    const rssAfterWarmUp = rssMb(pid);

    const load = conversations('CvLoad', CONVERSATIONS, tag);
    const messages = load.flatMap((c) => c.events);
    const auditor = createAckAuditor();
    const run = startPushSubscription(messages, {
      baseUrl: url,
      concurrency: CONCURRENCY,
      copies: repeatAThird,
      timeLimitMs: LOAD_RUN_GUARD_MS,
      onAcknowledged: (message) => auditor.record(message),
    });
    let rssPeak = rssAfterWarmUp;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(pid))), 250);
    let report: SubscriptionReport;
    try {
      report = await run.done;
    } finally {
      clearInterval(sampler);
    }
    await sleep(3_000);
    const rssAfter = rssMb(pid);

    // Every delivery acknowledged, each message stored by exactly one of its requests.
    expect({ gaveUp: report.gaveUp, unfinished: report.unfinished }).toEqual({ gaveUp: 0, unfinished: 0 });
    expect(report.acknowledged).toBe(report.deliveries);
    expect(report.outcomeCounts['rejected'] ?? 0).toBe(0);
    const storedTimes = report.messages.map((m) => m.deliveries.flatMap((d) => d.attempts).filter((a) => a.outcome === 'stored').length);
    expect(storedTimes.filter((times) => times !== 1)).toEqual([]);

    // Nothing acknowledged is missing, and everything is stored as a clean delivery stores it.
    const audit = await auditor.settle();
    expect(audit.missing).toEqual([]);
    expect(audit.checked).toBe(report.acknowledged);
    const expected = expectedStore(messages);
    const comparison = await compareWithStore(expected);
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.conversations).toBe(CONVERSATIONS);
    expect(comparison.messageDocuments).toBe(CONVERSATIONS * MESSAGES_PER_CONVERSATION);

    // A control copy of 10 of them, delivered once each, in order, one at a time, under other names.
    const controls = load.slice(0, CONTROL_CONVERSATIONS).map((original) => {
      const id = `CvCtl${tag}${String(original.index).padStart(3, '0')}`;
      return {
        original,
        id,
        name: `projects/demo-project/locations/global/conversations/${id}`,
        events: recordedConversation(id, {
          messages: MESSAGES_PER_CONVERSATION,
          humanIntervention: original.index % 3 === 0,
          startMinute: original.index,
          messageIdPrefix: `${tag}-${original.index}-`,
        }),
      };
    });
    const controlReports = await Promise.all(controls.map((c) => deliverAll(c.events, { baseUrl: url, concurrency: 1, shuffle: false })));
    for (const controlReport of controlReports) {
      expect(controlReport.requests).toBe(controlReport.messages.length);
      expect(controlReport.outcomeCounts).toEqual({ stored: controlReport.messages.length });
    }
    for (const control of controls) {
      expect(await snapshotConversation(control.original.name, control.original.id)).toEqual(await snapshotConversation(control.name, control.id));
    }

    // Memory: no growth with the traffic beyond what the heap's own sizing explains.
    const health = checkStackLog(LOG_PATH, stderr());
    expect(health.problems).toEqual([]);
    expect(isRunning(stack.process)).toBe(true);
    console.log(
      [
        `load: ${CONVERSATIONS} conversations x ${(messages.length / CONVERSATIONS).toFixed(1)} events = ${messages.length} messages`,
        `  ${describeReport(report)}`,
        `  events lost: ${audit.missing.length + comparison.mismatches.length} (acknowledged and checked right after: ${audit.checked}; conversations compared: ${comparison.conversations}, message documents: ${comparison.messageDocuments})`,
        `  control conversations identical: ${controls.length}`,
        `  stack RSS: after warm-up (${warmReport.requests} requests) ${rssAfterWarmUp.toFixed(0)} MB, peak ${rssPeak.toFixed(0)} MB, after the run and a 3 s pause ${rssAfter.toFixed(0)} MB`,
      ].join('\n'),
    );
    expect(rssAfter).toBeLessThan(1.5 * rssAfterWarmUp + 50);
  }, LOAD_TEST_TIMEOUT_MS);
});
