import { join } from 'node:path';
import { Timestamp } from '@google-cloud/firestore';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { lifecycleEvent, makePushBody, makeRawPushBody, messageEvent, uniqueConversation } from '../support/builders';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';
import { readConversation, readMessages, readQuarantine } from '../support/store';

/** With RETENTION_DAYS set, every document carries the `expireAt` timestamp Firestore's TTL policies delete by. */

let stack: SpawnedStack;
beforeAll(async () => {
  stack = await spawnStack(
    { FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), RETENTION_DAYS: '30', LOG_LEVEL: 'WARNING' },
    join(process.cwd(), '.test-output', 'retention-stack.log'),
  );
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

async function deliver(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

it('sets expireAt 30 days after a message was created and after its conversation ended', async () => {
  const c = uniqueConversation();
  await deliver('/ingestMessageEvents', makePushBody(messageEvent(c.name, 'M1', { createTime: '2026-11-02T14:03:02.455120789Z' })));
  expect(await readConversation(c.name)).not.toHaveProperty('expireAt');
  await deliver('/ingestLifecycleEvents', makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'), { publishTime: '2026-11-02T14:00:00Z' }));
  expect((await readConversation(c.name))!['expireAt']).toEqual(Timestamp.fromDate(new Date('2026-12-02T14:00:00Z')));
  await deliver('/ingestLifecycleEvents', makePushBody(lifecycleEvent(c.name, 'CONVERSATION_FINISHED'), { publishTime: '2026-11-02T15:00:00Z' }));
  expect((await readConversation(c.name))!['expireAt']).toEqual(Timestamp.fromDate(new Date('2026-12-02T15:00:00Z')));
  // Firestore keeps microseconds: the nanoseconds of the create time are dropped, on every emulator alike.
  expect((await readMessages(c.name))['M1']!['expireAt']).toEqual(new Timestamp(Date.parse('2026-12-02T14:03:02Z') / 1000, 455120000));
});

it('sets expireAt on quarantined deliveries', async () => {
  const answer = await deliver('/ingestMessageEvents', makeRawPushBody('!!'));
  const record = await readQuarantine(answer['quarantineId'] as string);
  const expireAt = (record!['expireAt'] as Timestamp).toMillis();
  const receivedAt = (record!['receivedAt'] as Timestamp).toMillis();
  expect(expireAt - receivedAt).toBe(30 * 86_400_000);
});
