import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mergeLifecycleEvent } from '../../shared/domain/conversationState';
import { messageSortKey } from '../../shared/domain/records';
import { parseConversationName } from '../../shared/domain/resourceNames';
import { createFirestoreConversationStore } from '../../shared/firestore/conversationStore';
import { lifecycleEvent, makePushBody, messageEvent, uniqueProject } from '../support/builders';
import { difference, startCountingFirestore } from '../../bench/lib/countingFirestore';
import { startDialogflowDouble, type DialogflowDouble } from '../support/dialogflowDouble';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';
import { baseUrl, ingestAll } from '../support/stack';

/**
 * `npm run backfill` from one local stack of ours (which serves Dialogflow's Conversations API) into the
 * Firestore namespaces of others: equal histories into an empty one, exactly the missing parts into one that
 * holds some, nothing more on a second run or from live events afterwards; and, against the Dialogflow test
 * double, --dry-run, --since and the cost per conversation (backfillStreaming.test.ts: streaming, resumption, Ctrl-C).
 */

const dir = mkdtempSync(join(tmpdir(), 'backfill-'));
const project = uniqueProject();
const parent = `projects/${project}/locations/global`;
const name = (id: string) => `${parent}/conversations/${id}`;
const targetProject = () => `target-${randomBytes(5).toString('hex')}`;

async function backfill(targetNamespace: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'shared/commands/backfill.ts', '--parent', parent, ...args], {
    env: { ...process.env, FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), GOOGLE_CLOUD_PROJECT: targetNamespace, METADATA_SERVER_DETECTION: 'none' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
  return result;
}

/** What a stack serves of a conversation and its messages, without our own metadata. */
async function served(url: string, conversation: string) {
  const get = async (path: string) => (await fetch(`${url}/v2/${path}`)).json() as Promise<Record<string, unknown>>;
  const { historyMetadata: _metadata, ...resource } = await get(conversation);
  const { messages } = await get(`${conversation}/messages?pageSize=1000`);
  const { participants } = await get(`${conversation}/participants`);
  return { resource, messages, participants };
}

// What the source stack received: the history the backfills copy.
const events = [
  { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('done'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-20T10:00:00.123456Z' }) },
  { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('done'), 'HUMAN_INTERVENTION_NEEDED'), { publishTime: '2026-11-20T10:05:00Z' }) },
  { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('done'), 'CONVERSATION_FINISHED'), { publishTime: '2026-11-20T10:30:00.5Z' }) },
  { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('open'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-25T09:00:00Z' }) },
  { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('old'), 'CONVERSATION_STARTED'), { publishTime: '2026-10-01T08:00:00Z' }) },
  ...Array.from({ length: 30 }, (_, i) => ({
    path: '/ingestMessageEvents',
    body: makePushBody(messageEvent(name('done'), `D${String(i).padStart(2, '0')}`, { createTime: `2026-11-20T10:${String(i).padStart(2, '0')}:01.5Z`, participantRole: i % 2 ? 'END_USER' : 'HUMAN_AGENT', sentimentAnalysis: { queryTextSentiment: { score: 0.5, magnitude: 1 } } })),
  })),
  ...Array.from({ length: 6 }, (_, i) => ({
    path: '/ingestMessageEvents',
    body: makePushBody(messageEvent(name('open'), `O${i}`, { createTime: `2026-11-25T09:0${i}:00Z`, participantRole: 'END_USER' })),
  })),
];
const conversations = ['done', 'open', 'old'].map(name);

const empty = targetProject();
const partial = targetProject();
let emptyStack: SpawnedStack;
let partialStack: SpawnedStack;

beforeAll(async () => {
  await ingestAll(events);
  const stackOn = (namespace: string) => spawnStack({ GOOGLE_CLOUD_PROJECT: namespace, FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), LOG_LEVEL: 'ERROR' }, join(dir, `${namespace}.log`));
  [emptyStack, partialStack] = await Promise.all([stackOn(empty), stackOn(partial)]);
  // The partial store: `done` lost its CONVERSATION_FINISHED, `open` has half of its messages.
  const db = new Firestore({ projectId: partial, host: inject('firestoreHost'), ssl: false });
  const store = createFirestoreConversationStore(db, { deadlineMs: 10_000, retentionDays: 0 });
  const done = parseConversationName(name('done'))!;
  await store.updateConversation(done, (current) => mergeLifecycleEvent(current, done, { type: 'CONVERSATION_STARTED', publishTime: '2026-11-20T10:00:00.123456000Z', pubsubMessageId: 'x' }));
  const open = parseConversationName(name('open'))!;
  await store.ensureConversation(open);
  for (let i = 0; i < 3; i++) {
    const createTime = `2026-11-25T09:0${i}:00.000000000Z`;
    const payload = { name: `${name('open')}/messages/O${i}`, content: `text of O${i}`, languageCode: 'en-US', participant: `${name('open')}/participants/P1`, participantRole: 'END_USER', createTime: `2026-11-25T09:0${i}:00Z` };
    await store.createMessage({ conversation: open, messageId: `O${i}`, createTime, sortKey: messageSortKey(createTime, `O${i}`), participantRole: 'END_USER', payloadJson: JSON.stringify(payload) });
  }
  await db.terminate();
}, 60_000);

afterAll(async () => {
  await Promise.all([emptyStack?.stop(), partialStack?.stop()]);
});

describe('npm run backfill from a local stack', () => {
  it('into an empty store gives the history the source serves: every conversation, its state and times, every message once', async () => {
    const { code, stdout } = await backfill(empty, ['--endpoint', baseUrl(), '--checkpoint', join(dir, 'empty-1.jsonl')]);
    expect(stdout).toContain(`Backfilled ${parent}: 3 conversations (3 new, 0 updated, 0 unchanged), 36 messages new (0 already stored), 0 failures`);
    expect(code).toBe(0);
    for (const conversation of conversations) expect(await served(emptyStack.url, conversation), conversation).toEqual(await served(baseUrl(), conversation));
    const done = await served(emptyStack.url, name('done'));
    expect(done.resource).toMatchObject({ lifecycleState: 'COMPLETED', conversationStage: 'HUMAN_ASSIST_STAGE', startTime: '2026-11-20T10:00:00.123456Z', endTime: '2026-11-20T10:30:00.500Z' });
    expect(done.messages).toHaveLength(30);
  }, 60_000);

  it('into a store that holds part of the history, repairs exactly the missing parts', async () => {
    const before = await served(partialStack.url, name('done'));
    expect(before.resource).toMatchObject({ lifecycleState: 'IN_PROGRESS' });
    const { code, stdout } = await backfill(partial, ['--endpoint', baseUrl(), '--checkpoint', join(dir, 'partial.jsonl')]);
    expect(code).toBe(0);
    // done: its end filled in, 30 messages; open: 3 missing messages; old: new.
    expect(stdout).toContain('3 conversations (1 new, 2 updated, 0 unchanged), 33 messages new (3 already stored), 0 failures');
    for (const conversation of conversations) expect(await served(partialStack.url, conversation), conversation).toEqual(await served(baseUrl(), conversation));
  }, 60_000);

  it('changes nothing on a second run, and lists nothing when resumed from the checkpoint of a finished run', async () => {
    const again = await backfill(empty, ['--endpoint', baseUrl(), '--checkpoint', join(dir, 'empty-2.jsonl')]);
    expect(again.stdout).toContain('3 conversations (0 new, 0 updated, 3 unchanged), 0 messages new (36 already stored), 0 failures');
    const resumed = await backfill(empty, ['--endpoint', baseUrl(), '--checkpoint', join(dir, 'empty-1.jsonl'), '--resume']);
    expect(resumed.stdout).toContain(`0 conversations (0 new, 0 updated, 0 unchanged), 0 messages new (0 already stored), 0 failures; 0 Dialogflow calls (0 retried)\nCheckpoint ${join(dir, 'empty-1.jsonl')}: complete.`);
  }, 60_000);

  it('changes nothing it serves when the live events arrive afterwards: the messages are duplicates', async () => {
    const before = await Promise.all(conversations.map((conversation) => served(emptyStack.url, conversation)));
    const outcomes: string[] = [];
    for (const event of events) {
      const response = await fetch(`${emptyStack.url}${event.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event.body) });
      expect(response.status).toBe(200);
      if (event.path === '/ingestMessageEvents') outcomes.push(((await response.json()) as { outcome: string }).outcome);
    }
    expect(new Set(outcomes)).toEqual(new Set(['duplicate']));
    expect(await Promise.all(conversations.map((conversation) => served(emptyStack.url, conversation)))).toEqual(before);
  }, 60_000);
});

describe('npm run backfill against the Dialogflow test double', () => {
  let double: DialogflowDouble;
  const store = targetProject();

  beforeAll(async () => {
    double = await startDialogflowDouble();
    for (let i = 0; i < 40; i++) {
      const conversation = name(`d${String(i).padStart(2, '0')}`);
      double.conversations.set(conversation, { name: conversation, lifecycleState: 'COMPLETED', conversationProfile: `${parent}/conversationProfiles/cp`, startTime: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`, endTime: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:20:00Z` });
      double.messages.set(conversation, Array.from({ length: 3 }, (_, m) => ({ name: `${conversation}/messages/m${m}`, content: 'x', participant: `${conversation}/participants/user`, participantRole: 'END_USER', createTime: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:0${m}:00Z` })));
      double.participants.set(conversation, [
        { name: `${conversation}/participants/agent`, role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'agent' },
        { name: `${conversation}/participants/user`, role: 'END_USER', obfuscatedExternalUserId: `u${i}` },
      ]);
    }
  });

  afterAll(() => double.close());

  // Each in a namespace of its own: they run side by side, each waiting on a command of its own.
  it.concurrent('reports what it would write in a dry run, and writes nothing', async () => {
    const { stdout } = await backfill(store, ['--endpoint', double.url, '--dry-run', '--qps', '100']);
    expect(stdout).toContain(`Dry run of the backfill ${parent}: 40 conversations (40 would be new, 0 would be updated, 0 unchanged), 120 messages would be new (0 already stored), 0 failures`);
    const db = new Firestore({ projectId: store, host: inject('firestoreHost'), ssl: false });
    expect((await db.collection(`${parent}/conversations`).limit(1).get()).size).toBe(0);
    await db.terminate();
  }, 60_000);

  it.concurrent('takes only the conversations started within --since and --until, and says how many it left out', async () => {
    const { stdout, stderr } = await backfill(store, ['--endpoint', double.url, '--dry-run', '--since', '2026-11-01T00:00:00Z', '--until', '2026-11-03T00:00:00Z', '--qps', '100']);
    // Days 1 and 2 of each 28: conversations 0, 1, 28 and 29.
    expect(stdout).toContain('4 conversations (4 would be new');
    expect(stderr).toContain('(36 listed outside --since/--until)');
  }, 60_000);

  it.concurrent('costs, per conversation, one messages.list and one participants.list call a page, one read and one write, a create per new message and participant', async () => {
    const counting = await startCountingFirestore();
    try {
      const run = async () => {
        const before = counting.counts();
        const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'shared/commands/backfill.ts', '--parent', parent, '--endpoint', double.url, '--qps', '100', '--since', '2026-11-01T00:00:00Z', '--until', '2026-11-11T00:00:00Z', '--checkpoint', join(dir, `cost-${Date.now()}.jsonl`)], {
          env: { ...process.env, FIRESTORE_EMULATOR_HOST: counting.host, GOOGLE_CLOUD_PROJECT: targetProject(), METADATA_SERVER_DETECTION: 'none' },
        });
        return { stdout, counts: difference(counting.counts(), before) };
      };
      // Days 1 to 10 of each 28: 20 conversations of 3 messages and 2 participants; one page of listing, one of
      // messages and one of participants each. Per conversation: its transaction (a read, a write), 3 message
      // creates, the create of the participant the messages name, and the merge of each listed participant (a
      // transaction reading it beside its conversation, and writing it).
      const first = await run();
      expect(first.stdout).toContain('20 conversations (20 new, 0 updated, 0 unchanged), 60 messages new (0 already stored), 0 failures; 41 Dialogflow calls (0 retried)');
      expect(first.counts).toMatchObject({ documentReads: 20 * (1 + 2 * 2), writes: 20 * (1 + 3 + 1 + 2), failedPreconditionWrites: 0 });
      process.stdout.write(`backfill cost for 20 conversations of 3 messages: ${JSON.stringify(first.counts)}\n`);
    } finally {
      await counting.stop();
    }
  }, 60_000);
});
