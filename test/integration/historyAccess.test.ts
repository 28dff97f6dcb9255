import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { lifecycleEvent, makePushBody, uniqueConversation } from '../support/builders';
import { post } from '../support/stack';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';

/** A deployment serves only its configured projects; another project's path answers 404 as if nothing existed. */

let stack: SpawnedStack;
const served = uniqueConversation();
const other = { name: `projects/other-project/locations/global/conversations/${served.id}` };

beforeAll(async () => {
  await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(served.name, 'CONVERSATION_STARTED')));
  await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(other.name, 'CONVERSATION_STARTED')));
  stack = await spawnStack(
    { FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), SERVED_PROJECTS: 'demo-project', LOG_LEVEL: 'WARNING' },
    join(process.cwd(), '.test-output', 'served-projects-stack.log'),
  );
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

it.each([
  { path: `/v2/${served.name}`, status: 200 },
  { path: `/v2/${other.name}`, status: 404 },
  { path: '/v2/projects/other-project/locations/global/conversations', status: 404 },
  { path: `/v2/${other.name}/messages`, status: 404 },
])('answers $status to $path when only demo-project is served', async ({ path, status }) => {
  const response = await fetch(`${stack.url}${path}`);
  expect(response.status).toBe(status);
  if (status === 404) expect(await response.json()).toMatchObject({ error: { status: 'NOT_FOUND' } });
});
