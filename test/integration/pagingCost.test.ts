import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { difference, startCountingFirestore, type OperationCounts } from '../../bench/lib/countingFirestore';
import type { RunningFirestore } from '../../shared/local/embeddedFirestore';
import { EMULATOR_PROJECT_ID } from '../../shared/platform/config';
import { lifecycleEvent, makePushBody, uniqueProject } from '../support/builders';
import { seedMessages } from '../support/seed';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';

/**
 * What a page costs, counted at the emulator's gRPC service, wherever the page is: at most pageSize + 1
 * documents of the list (the one more tells whether a next page exists), and for messages the conversation,
 * read beside every page so that an erased conversation serves nothing.
 */

const project = uniqueProject();
const conversation = `projects/${project}/locations/global/conversations/long`;
let counted: RunningFirestore & { counts: () => OperationCounts };
let stack: SpawnedStack;

beforeAll(async () => {
  counted = await startCountingFirestore();
  stack = await spawnStack({ FIRESTORE_EMULATOR_HOST: counted.host, LOG_LEVEL: 'WARNING' }, join(process.cwd(), '.test-output', 'paging-cost.log'));
  await fetch(`${stack.url}/ingestLifecycleEvents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makePushBody(lifecycleEvent(conversation, 'CONVERSATION_STARTED'))) });
  for (let i = 0; i < 250; i++) {
    const other = `projects/${project}/locations/global/conversations/c${i}`;
    await fetch(`${stack.url}/ingestLifecycleEvents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makePushBody(lifecycleEvent(other, 'CONVERSATION_STARTED'), { publishTime: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString() })) });
  }
  // The client takes FIRESTORE_EMULATOR_HOST (this run's emulator) over any host it is given: give it the counted one.
  const runEmulator = process.env['FIRESTORE_EMULATOR_HOST'];
  process.env['FIRESTORE_EMULATOR_HOST'] = counted.host;
  const db = new Firestore({ projectId: EMULATOR_PROJECT_ID });
  process.env['FIRESTORE_EMULATOR_HOST'] = runEmulator;
  await seedMessages(db, conversation, Array.from({ length: 1000 }, (_, i) => ({ id: `M${String(i).padStart(4, '0')}`, createTime: new Date(Date.UTC(2026, 10, 2) + i * 1000).toISOString(), role: 'END_USER', content: `line ${i}` })));
  await db.terminate();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  counted?.stop();
});

/** Every page of a list, with the documents each read. */
async function pageThrough(path: string, field: string): Promise<Array<{ items: number; reads: number }>> {
  const pages: Array<{ items: number; reads: number }> = [];
  let token: string | undefined;
  do {
    const before = counted.counts();
    const page = (await (await fetch(`${stack.url}/v2/${path}?pageSize=100${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`)).json()) as Record<string, unknown>;
    await new Promise((resolve) => setTimeout(resolve, 10));
    pages.push({ items: (page[field] as unknown[] | undefined)?.length ?? 0, reads: difference(counted.counts(), before).documentReads });
    token = page['nextPageToken'] as string | undefined;
  } while (token);
  return pages;
}

it('reads at most pageSize + 1 messages and the conversation for every page of messages, the last as the first', async () => {
  const pages = await pageThrough(`${conversation}/messages`, 'messages');
  expect(pages.map((page) => page.items)).toEqual(Array.from({ length: 10 }, () => 100));
  expect(Math.max(...pages.map((page) => page.reads))).toBeLessThanOrEqual(100 + 1 + 1);
});

it('reads at most pageSize + 1 conversations for every page of conversations', async () => {
  const pages = await pageThrough(`projects/${project}/locations/global/conversations`, 'conversations');
  expect(pages.map((page) => page.items)).toEqual([100, 100, 51]);
  expect(Math.max(...pages.map((page) => page.reads))).toBeLessThanOrEqual(100 + 1);
});
