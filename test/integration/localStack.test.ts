import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { targetFor, toPushBody, type RecordedMessage } from '../../shared/pubsub/pushDelivery';
import { ownExitMs, spawnStack } from '../support/spawnStack';

/** `npm start` on a machine with nothing set: the embedded Firestore, every endpoint, a clean stop. */
it('serves the recorded conversation with the embedded Firestore and stops within 10 s of SIGTERM', async () => {
  const stack = await spawnStack({ FIRESTORE_EMULATOR_HOST: undefined }, join(process.cwd(), '.test-output', 'embedded-stack.log'));
  try {
    const lines = readFileSync('test/fixtures/recorded-conversation.jsonl', 'utf8').trim().split('\n');
    for (const line of lines) {
      const recorded = JSON.parse(line) as RecordedMessage;
      const target = targetFor(recorded.event);
      const response = await fetch(`${stack.url}/${target}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(toPushBody(recorded, target)),
      });
      expect(await response.json()).toEqual({ outcome: 'stored' });
    }
    const history = await fetch(`${stack.url}/v2/projects/demo-project/locations/global/conversations/CxSampleBookingChat01/messages`);
    expect(history.status).toBe(200);
    expect(((await history.json()) as { messages: unknown[] }).messages).toHaveLength(9);
    const unknown = await fetch(`${stack.url}/elsewhere`);
    expect(unknown.status).toBe(404);
  } finally {
    const exit = await stack.stop();
    expect(exit.code).toBe(0);
    // On its own time (the wall clock less its wait for a CPU), which is what a loaded machine stretches.
    expect(ownExitMs(exit), `${exit.elapsedMs.toFixed(0)} ms, ${exit.runQueueWaitMs.toFixed(0)} ms of it waiting for a CPU`).toBeLessThan(10_000);
  }
}, 60_000);
