import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { inject } from 'vitest';
import { lifecycleEvent, makePushBody, uniqueConversation } from '../support/builders';
import { baseUrl, testFirestore } from '../support/stack';
import { readConversation, readQuarantine } from '../support/store';

/** An operator replays a quarantined delivery once its cause is fixed: it is stored and marked replayed. */
it('replays a quarantined delivery to the function that received it and marks it replayed', async () => {
  const c = uniqueConversation();
  const rawBody = JSON.stringify(makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED')));
  // As an older version would have quarantined it (say, before it knew this event type).
  const id = `replay-${c.id}`;
  await testFirestore().collection('quarantine').doc(id).set({
    reasonCode: 'not_a_conversation_event',
    reason: 'from an older version',
    receivedBy: 'ingestLifecycleEvents',
    receivedAt: new Date(),
    rawBody,
    rawBodyEncoding: 'utf-8',
    rawBodyBytes: Buffer.byteLength(rawBody),
    replayed: false,
  });

  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'shared/local/replayQuarantine.ts', '--url', baseUrl(), '--id', id], {
    env: { ...process.env, FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), METADATA_SERVER_DETECTION: 'none' },
  });
  expect(stdout).toContain(`${id} -> ingestLifecycleEvents: 200 stored`);
  expect(await readQuarantine(id)).toMatchObject({ replayed: true });
  expect(await readConversation(c.name)).toMatchObject({ startTime: expect.any(String) });
}, 30_000);
