import { expect, it } from 'vitest';
import { lifecycleEvent, makePushBody, uniqueConversation } from '../support/builders';
import { quarantineAsOlderVersion, replayQuarantined } from '../support/quarantine';
import { readConversation, readQuarantine } from '../support/store';

/** An operator replays a quarantined delivery once its cause is fixed: it is stored and marked replayed. */
it('replays a quarantined delivery to the function that received it and marks it replayed', async () => {
  const c = uniqueConversation();
  const rawBody = JSON.stringify(makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED')));
  // As an older version would have quarantined it (say, before it knew this event type).
  const id = `replay-${c.id}`;
  await quarantineAsOlderVersion(id, rawBody, 'not_a_conversation_event', 'from an older version');
  expect(await replayQuarantined(id)).toContain(`${id} -> ingestLifecycleEvents: 200 stored`);
  expect(await readQuarantine(id)).toMatchObject({ replayed: true });
  expect(await readConversation(c.name)).toMatchObject({ startTime: expect.any(String) });
}, 30_000);
