import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { difference, startCountingFirestore, type OperationCounts } from '../../bench/lib/countingFirestore';
import type { RunningFirestore } from '../../shared/local/embeddedFirestore';
import { lifecycleEvent, makePushBody, messageEvent, uniqueProject } from '../support/builders';
import { startDialogflowDouble, type DialogflowDouble } from '../support/dialogflowDouble';
import { officialConversationsClient } from '../support/officialClient';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';

/**
 * reconcileConversations over HTTP, in a local stack whose Dialogflow API is the test double and whose
 * Firestore counts every read and write at its gRPC service: what only Dialogflow knows is filled in, a
 * conversation auto-completed after 24 hours is completed with Dialogflow's end time, a purged one is left as
 * it is and never asked again, a run drains what is due earliest first, and once everything is fresh a run
 * costs two empty queries (the due conversations, the earliest due time).
 */

const HOUR = 3_600_000;
const project = uniqueProject();
const parent = `projects/${project}/locations/global`;
const name = (id: string) => `${parent}/conversations/${id}`;
const profile = `${parent}/conversationProfiles/support`;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

let firestore: RunningFirestore & { counts: () => OperationCounts };
let dialogflow: DialogflowDouble;
let stack: SpawnedStack;

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, path).toBe(200);
}

async function run(): Promise<{ report: Record<string, unknown>; measured: OperationCounts }> {
  const before = firestore.counts();
  const response = await fetch(`${stack.url}/reconcileConversations`, { method: 'POST' });
  expect(response.status).toBe(200);
  const { reports } = (await response.json()) as { reports: Array<Record<string, unknown>> };
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { report: reports[0]!, measured: difference(firestore.counts(), before) };
}

beforeAll(async () => {
  firestore = await startCountingFirestore();
  dialogflow = await startDialogflowDouble();
  stack = await spawnStack(
    { FIRESTORE_EMULATOR_HOST: firestore.host, DIALOGFLOW_API_ENDPOINT: dialogflow.url, RECONCILE_PARENTS: parent, RECONCILE_CONCURRENCY: '1', DIALOGFLOW_QPS: '100' },
    join(mkdtempSync(join(tmpdir(), 'reconcile-')), 'stack.log'),
  );

  // auto: started two days ago, its end never announced; Dialogflow auto-completed it after 24 hours.
  await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(name('auto'), 'CONVERSATION_STARTED'), { publishTime: ago(48 * HOUR) }));
  dialogflow.conversations.set(name('auto'), {
    name: name('auto'), lifecycleState: 'COMPLETED', conversationProfile: profile, conversationStage: 'VIRTUAL_AGENT_STAGE',
    phoneNumber: { phoneNumber: '+15550100' }, startTime: ago(48 * HOUR + 1000), endTime: ago(24 * HOUR),
  });
  // Its participants, as Dialogflow's participants.list gives them: the customer spoke (a message names them), the
  // agent never did; both come with what only Dialogflow knows, a map field among it, none of it modelled here.
  await post('/ingestMessageEvents', makePushBody(messageEvent(name('auto'), 'M1', { participant: `${name('auto')}/participants/Customer`, participantRole: 'END_USER', createTime: ago(48 * HOUR - 1000) })));
  dialogflow.participants.set(name('auto'), [
    { name: `${name('auto')}/participants/Customer`, role: 'END_USER', obfuscatedExternalUserId: 'user-7f3a', documentsMetadataFilters: { region: 'eu' } },
    { name: `${name('auto')}/participants/Agent`, role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'agent-leg' },
  ]);
  // human: an hour in, handed to a human.
  await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(name('human'), 'CONVERSATION_STARTED'), { publishTime: ago(HOUR) }));
  await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(name('human'), 'HUMAN_INTERVENTION_NEEDED'), { publishTime: ago(HOUR - 60_000) }));
  dialogflow.conversations.set(name('human'), { name: name('human'), lifecycleState: 'IN_PROGRESS', conversationProfile: profile, conversationStage: 'HUMAN_ASSIST_STAGE', startTime: ago(HOUR) });
  // purged: finished 40 days ago; Dialogflow purged it after 30.
  await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(name('purged'), 'CONVERSATION_STARTED'), { publishTime: ago(40 * 24 * HOUR) }));
  await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(name('purged'), 'CONVERSATION_FINISHED'), { publishTime: ago(40 * 24 * HOUR - HOUR) }));
  // messages-only: its lifecycle events dead-lettered; only a message arrived.
  await post('/ingestMessageEvents', makePushBody(messageEvent(name('messages-only'), 'M1', { createTime: ago(5 * HOUR) })));
  dialogflow.conversations.set(name('messages-only'), { name: name('messages-only'), lifecycleState: 'IN_PROGRESS', conversationProfile: profile, startTime: ago(5 * HOUR) });
  // recent: two minutes in; its first read is due ten minutes after the start.
  await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(name('recent'), 'CONVERSATION_STARTED'), { publishTime: ago(120_000) }));
  dialogflow.conversations.set(name('recent'), { name: name('recent'), lifecycleState: 'IN_PROGRESS', conversationProfile: profile, startTime: ago(120_000) });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await dialogflow?.close();
  await firestore?.stop();
});

describe('reconcileConversations against the Dialogflow test double', () => {
  const runs: Array<{ report: Record<string, unknown>; measured: OperationCounts }> = [];

  it('drains the due conversations in one run, earliest due first, reporting what it cost and the backlog it left', async () => {
    runs.push(await run(), await run());
    expect(runs.map(({ report }) => [report['taken'], report['refreshed'], report['purged'], report['dialogflowCalls'], report['stoppedBy'], report['oldestDueAgeSeconds']])).toEqual([
      // The auto-completed one's participants.list: Dialogflow's final word on it.
      [4, 3, 1, 5, 'drained', 0],
      [0, 0, 0, 0, 'drained', 0],
    ]);
    // Earliest due first: the conversation without a start (due at once), then by due time.
    const asked = dialogflow.requests.filter((r) => r.path.includes('/conversations/')).map((r) => r.path.split('/conversations/')[1]);
    expect(asked.filter((path) => !path!.endsWith('/participants'))).toEqual(['messages-only', 'purged', 'auto', 'human']);
    expect(asked.filter((path) => path!.endsWith('/participants'))).toEqual(['auto/participants']);
    for (const { report, measured } of runs) {
      // What the function reports is what Firestore was asked: its due query, one read and at most one write per
      // conversation, the earliest due time left (the erasure sweep is the erasure function's now).
      expect([report['firestoreReads'], report['firestoreWrites']]).toEqual([measured.documentReads, measured.writes]);
      expect(measured.queries).toBe(2);
    }
  });

  it("fills in the profile, phone number and stage, and completes an auto-completed conversation with Dialogflow's end time", async () => {
    const client = officialConversationsClient(stack.url);
    const [auto] = await client.getConversation({ name: name('auto') });
    expect(auto).toMatchObject({ lifecycleState: 'COMPLETED', conversationProfile: profile, conversationStage: 'VIRTUAL_AGENT_STAGE', phoneNumber: { phoneNumber: '+15550100' } });
    expect(new Date(Number(auto.endTime!.seconds) * 1000).toISOString().slice(0, 16)).toBe(String(dialogflow.conversations.get(name('auto'))!['endTime']).slice(0, 16));
    const [human] = await client.getConversation({ name: name('human') });
    expect(human).toMatchObject({ lifecycleState: 'IN_PROGRESS', conversationProfile: profile, conversationStage: 'HUMAN_ASSIST_STAGE' });
    const [messagesOnly] = await client.getConversation({ name: name('messages-only') });
    expect(messagesOnly).toMatchObject({ conversationProfile: profile, lifecycleState: 'IN_PROGRESS' });
    expect(Number(messagesOnly.startTime!.seconds)).toBeGreaterThan(0);
  });

  it("stores Dialogflow's participants of a conversation it completes, over what its messages said, every field kept", async () => {
    const response = await fetch(`${stack.url}/v2/${name('auto')}/participants`);
    expect(await response.json()).toEqual({
      participants: [
        { name: `${name('auto')}/participants/Agent`, role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'agent-leg' },
        { name: `${name('auto')}/participants/Customer`, role: 'END_USER', obfuscatedExternalUserId: 'user-7f3a', documentsMetadataFilters: { region: 'eu' } },
      ],
    });
  });

  it('leaves a purged conversation as it was, and never asks about it again', async () => {
    const [purged] = await officialConversationsClient(stack.url).getConversation({ name: name('purged') });
    expect(purged).toMatchObject({ lifecycleState: 'COMPLETED', conversationProfile: '' });
    const response = await fetch(`${stack.url}/v2/${name('purged')}`);
    expect(((await response.json()) as { historyMetadata: Record<string, unknown> }).historyMetadata['purgedFromDialogflowBy']).toEqual(expect.any(String));
  });

  it('costs two empty queries once everything is fresh (the due conversations, the earliest due time): no Dialogflow call, no write', async () => {
    const calls = dialogflow.requests.length;
    const { report, measured } = await run();
    expect(report).toMatchObject({ taken: 0, dialogflowCalls: 0, firestoreReads: 2, firestoreWrites: 0 });
    expect(measured).toMatchObject({ queries: 2, documentReads: 2, writes: 0, transactions: 0 });
    expect(dialogflow.requests.length).toBe(calls);
    process.stdout.write(`reconcile cost per run: ${JSON.stringify(runs.map(({ measured: m }) => ({ reads: m.documentReads, writes: m.writes })))}, then fresh: ${JSON.stringify({ reads: measured.documentReads, writes: measured.writes })}\n`);
  });

  it('reports a conversation Dialogflow keeps failing on, and waits an hour before asking again', async () => {
    await post('/ingestMessageEvents', makePushBody(messageEvent(name('flaky'), 'M1', { createTime: ago(HOUR) })));
    dialogflow.failNext(503, 3);
    const { report } = await run();
    expect(report).toMatchObject({ taken: 1, refreshed: 0, failed: [{ conversation: name('flaky'), reason: expect.stringMatching(/503 UNAVAILABLE \(after 3 attempts\)$/) }] });
    expect((await run()).report).toMatchObject({ taken: 0, dialogflowCalls: 0 });
  }, 30_000);
});
