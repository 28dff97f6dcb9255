import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { lifecycleEvent, makePushBody, messageEvent, uniqueConversation, uniqueProject } from '../support/builders';
import { officialConversationsClient } from '../support/officialClient';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';
import { readConversation, readMessages } from '../support/store';

/**
 * A deployment whose profile lives in europe-west3 (DIALOGFLOW_LOCATION): Dialogflow documents the event's
 * `conversation` as projects/<P>/conversations/<C>, so events may omit the location that message names carry.
 */

let stack: SpawnedStack;
beforeAll(async () => {
  stack = await spawnStack(
    { FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), DIALOGFLOW_LOCATION: 'europe-west3', LOG_LEVEL: 'WARNING' },
    join(process.cwd(), '.test-output', 'regional-stack.log'),
  );
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

async function deliver(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

it('stores and serves a regional conversation whose events omit the location', async () => {
  const project = uniqueProject();
  const id = 'CvRegional';
  const short = `projects/${project}/conversations/${id}`;
  const regional = `projects/${project}/locations/europe-west3/conversations/${id}`;
  const deliveries: Array<[string, unknown]> = [
    ['/ingestLifecycleEvents', makePushBody(lifecycleEvent(short, 'CONVERSATION_STARTED'), { publishTime: '2026-11-02T10:00:00Z' })],
    ['/ingestMessageEvents', makePushBody(messageEvent(short, 'M1', { name: `${regional}/messages/M1`, participant: `${regional}/participants/P1`, createTime: '2026-11-02T10:00:01Z' }))],
    ['/ingestMessageEvents', makePushBody(messageEvent(short, 'M2', { name: `${short}/messages/M2`, participant: `${short}/participants/P2`, createTime: '2026-11-02T10:00:02Z' }))],
    ['/ingestLifecycleEvents', makePushBody(lifecycleEvent(short, 'CONVERSATION_FINISHED'), { publishTime: '2026-11-02T10:05:00Z' })],
  ];
  for (const [path, body] of deliveries) expect(await deliver(path, body)).toEqual({ outcome: 'stored' });

  expect(await readConversation(regional)).toMatchObject({ location: 'europe-west3', lifecycleState: 'COMPLETED' });
  expect(Object.keys(await readMessages(regional)).sort()).toEqual(['M1', 'M2']);
  expect(await readConversation(`projects/${project}/locations/global/conversations/${id}`)).toBeUndefined();

  const client = officialConversationsClient(stack.url);
  const [conversations] = await client.listConversations({ parent: `projects/${project}/locations/europe-west3` });
  expect(conversations.map((c) => [c.name, c.lifecycleState])).toEqual([[regional, 'COMPLETED']]);
  for (const name of [regional, short]) {
    const [conversation] = await client.getConversation({ name });
    expect(conversation.name).toBe(regional);
    const [messages] = await client.listMessages({ parent: name });
    expect(messages.map((m) => [m.name, m.participant])).toEqual([
      [`${regional}/messages/M2`, `${regional}/participants/P2`],
      [`${regional}/messages/M1`, `${regional}/participants/P1`],
    ]);
  }
});

it('takes the location from the message where the deployment has no regional default', async () => {
  const c = uniqueConversation('asia-northeast1');
  const response = await fetch(`${inject('baseUrl')}/ingestMessageEvents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(makePushBody(messageEvent(c.shortName, 'M1', { name: `${c.name}/messages/M1` }))),
  });
  expect(await response.json()).toEqual({ outcome: 'stored' });
  expect(Object.keys(await readMessages(c.name))).toEqual(['M1']);
});
