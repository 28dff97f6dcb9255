import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDueConversations } from '../../bench/lib/dueConversations';
import { formatSortableTimestamp } from '../../shared/domain/timestamps';
import { uniqueProject } from '../support/builders';
import { startDialogflowDouble, type DialogflowDouble } from '../support/dialogflowDouble';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';
import { testFirestore } from '../support/stack';

/**
 * reconcileConversations over HTTP against a backlog, with the Dialogflow double answering each call after
 * 60 ms: runs of a 1 s budget take what they can at RECONCILE_CONCURRENCY calls at once and leave the rest due,
 * and the runs that follow drain it, every conversation asked once; a 429 storm is backed off and loses nothing.
 * Counted, never timed: 300 conversations at 8 calls of 60 ms take at least 2.25 s, so a 1 s budget must stop.
 */

const HOUR = 3_600_000;
const CONCURRENCY = 8;
const project = uniqueProject();
const parent = `projects/${project}/locations/global`;

let db: Firestore;
let dialogflow: DialogflowDouble;
let stack: SpawnedStack;

async function run(): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.url}/reconcileConversations`, { method: 'POST' });
  expect(response.status).toBe(200);
  return ((await response.json()) as { reports: Array<Record<string, unknown>> }).reports[0]!;
}

/** Runs until one drains, at most `limit` of them. */
async function runUntilDrained(limit: number): Promise<Array<Record<string, unknown>>> {
  const reports: Array<Record<string, unknown>> = [];
  do reports.push(await run());
  while (reports.at(-1)!['stoppedBy'] !== 'drained' && reports.length < limit);
  return reports;
}

const sortable = (ms: number) => formatSortableTimestamp(BigInt(ms) * 1_000_000n);
const callsOf = (names: string[]) => {
  const counts = new Map(names.map((name) => [name, 0]));
  for (const { path } of dialogflow.requests) {
    const name = path.replace(/^\/v2\//, '');
    if (counts.has(name)) counts.set(name, counts.get(name)! + 1);
  }
  return counts;
};

beforeAll(async () => {
  // The suite's emulator (globalSetup), which the Firestore client's FIRESTORE_EMULATOR_HOST names; a project of its own.
  db = testFirestore();
  dialogflow = await startDialogflowDouble();
  dialogflow.delayMs = 60;
  stack = await spawnStack(
    { FIRESTORE_EMULATOR_HOST: process.env['FIRESTORE_EMULATOR_HOST'], DIALOGFLOW_API_ENDPOINT: dialogflow.url, RECONCILE_PARENTS: parent, RECONCILE_CONCURRENCY: String(CONCURRENCY), RECONCILE_BUDGET_SECONDS: '1', DIALOGFLOW_QPS: '1000' },
    join(mkdtempSync(join(tmpdir(), 'reconcile-scale-')), 'stack.log'),
  );
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await dialogflow?.close();
});

describe('reconcileConversations at volume', () => {
  it('drains a backlog over runs of its budget, at most RECONCILE_CONCURRENCY calls at once, each conversation asked once', async () => {
    const names = await seedDueConversations(db, dialogflow, parent, 300, 2 * HOUR);
    const reports = await runUntilDrained(40);
    // 300 calls of 60 ms, 8 at a time, cannot fit in 1 s: the first run stops at its budget and says how old the
    // backlog it leaves is (due ten minutes after a start two hours ago).
    expect(reports[0]).toMatchObject({ stoppedBy: 'budget', maxConcurrency: CONCURRENCY });
    expect(reports[0]!['taken']).toBeLessThan(300);
    expect(reports[0]!['oldestDueAgeSeconds']).toBeGreaterThan(HOUR / 1000);
    expect(reports.at(-1)).toMatchObject({ stoppedBy: 'drained', oldestDueAgeSeconds: 0 });
    expect(reports.reduce((sum, report) => sum + Number(report['taken']), 0)).toBe(300);
    expect(reports.reduce((sum, report) => sum + Number(report['refreshed']), 0)).toBe(300);
    expect([...callsOf(names).values()].every((calls) => calls === 1)).toBe(true);
    expect(dialogflow.maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
    expect(dialogflow.maxInFlight).toBeGreaterThan(1);
    const stored = await Promise.all(names.map(async (name) => (await db.doc(name).get()).get('conversationProfile')));
    expect(stored.every((profile) => profile === `${parent}/conversationProfiles/support`)).toBe(true);
  }, 120_000);

  it('backs off a storm of 429s and loses no conversation: each is stored or moved at most an hour later', async () => {
    const names = await seedDueConversations(db, dialogflow, parent, 40, 3 * HOUR, 300);
    const before = dialogflow.requests.length;
    const storm = Date.now();
    dialogflow.failNext(429, 30, { retryAfterSeconds: 1 });
    const reports = await runUntilDrained(30);
    expect(reports.some((report) => report['stoppedBy'] === 'dialogflow-unavailable')).toBe(true);
    expect(reports.at(-1)!['stoppedBy']).toBe('drained');
    // Every 429 was met, and none spent more than the client's three attempts on one conversation.
    expect(dialogflow.requests.length - before).toBeGreaterThanOrEqual(30 + 1);
    expect([...callsOf(names).values()].every((calls) => calls >= 1 && calls <= 3)).toBe(true);
    const [started, hourLater] = [sortable(storm), sortable(Date.now() + HOUR + 60_000)];
    for (const name of names) {
      const document = (await db.doc(name).get()).data()!;
      const facts = document['dialogflow'] as { lastReadAt: string | null; lastFailedReadAt: string | null };
      expect(facts.lastReadAt !== null || facts.lastFailedReadAt !== null, name).toBe(true);
      // A refused one waits an hour, no more, and is not out of the queue.
      if (facts.lastReadAt === null) expect(String(document['reconcileDueKey']) > started && String(document['reconcileDueKey']) <= hourLater, name).toBe(true);
    }
    const failed = reports.reduce((sum, report) => sum + Number(report['failedCount']), 0);
    const refreshed = reports.reduce((sum, report) => sum + Number(report['refreshed']), 0);
    expect(failed + refreshed).toBe(40);
    expect(failed).toBeGreaterThan(0);
  }, 120_000);
});
