import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { lifecycleEvent, makePushBody, makeRawPushBody, messageEvent, uniqueConversation } from '../support/builders';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import { join } from 'node:path';
import { trackRunDelay } from '../support/runDelay';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';
import { readConversation, readMessages } from '../support/store';

/**
 * A transient store failure must answer non-2xx so that Pub/Sub delivers
 * again: never acknowledge what was not durably written.
 */

const DEADLINE_MS = 1_500;
let proxy: FaultProxy;
let stack: SpawnedStack;

beforeAll(async () => {
  proxy = await startFaultProxy(inject('firestoreHost'));
  // Its own process: the Firestore client takes FIRESTORE_EMULATOR_HOST from the environment.
  stack = await spawnStack(
    { FIRESTORE_EMULATOR_HOST: proxy.host, FIRESTORE_DEADLINE_MS: String(DEADLINE_MS), LOG_LEVEL: 'WARNING' },
    join(process.cwd(), '.test-output', 'fault-stack.log'),
  );
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
});

/** Its answer, and how long the stack took on its own time (the wall clock less its wait for a CPU: runDelay.ts). */
async function deliver(body: unknown): Promise<{ status: number; elapsedMs: number; ownMs: number }> {
  const started = performance.now();
  const waiting = trackRunDelay(stack.process.pid);
  const response = await fetch(`${stack.url}/ingestMessageEvents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  const elapsedMs = performance.now() - started;
  return { status: response.status, elapsedMs, ownMs: elapsedMs - waiting.stop() };
}

async function redeliverUntilAcknowledged(body: unknown, attempts = 30): Promise<number> {
  let status = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    status = (await deliver(body)).status;
    if (status >= 200 && status < 300) return status;
    expect(status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1_000)));
  }
  return status;
}

const cases = [
  { mode: 'reset' as const, what: 'down (connections dropped)' },
  { mode: 'blackhole' as const, what: 'hanging (connections never answered)' },
];

describe.each(cases)('while Firestore is $what', ({ mode }) => {
  it('answers 503 within the deadline, writes nothing, and stores the event once redelivered after recovery', async () => {
    const c = uniqueConversation();
    const started = makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'));
    const message = makePushBody(messageEvent(c.name, 'M1'));

    proxy.setMode(mode);
    try {
      for (const body of [started, message]) {
        const answer = await deliver(body);
        expect(answer.status).toBe(503);
        // The inner and the queue deadline may both run out; either way well inside a push ack deadline.
        expect(answer.ownMs, `answered after ${answer.elapsedMs.toFixed(0)} ms`).toBeLessThan(2 * DEADLINE_MS + 1_000);
      }
      // Read directly from the emulator, not through the faulty proxy.
      expect(await readConversation(c.name)).toBeUndefined();
      expect(await readMessages(c.name)).toEqual({});
    } finally {
      proxy.setMode('forward');
    }

    // Pub/Sub redelivers with backoff until acknowledged; the client reconnects meanwhile.
    expect(await redeliverUntilAcknowledged(started)).toBe(200);
    expect(await redeliverUntilAcknowledged(message)).toBe(200);
    expect(await readConversation(c.name)).toMatchObject({ startTime: expect.any(String) });
    expect(Object.keys(await readMessages(c.name))).toEqual(['M1']);
  }, 30_000);

  it('answers 503 for a bad delivery whose quarantine write failed, so it is not lost', async () => {
    proxy.setMode(mode);
    try {
      expect((await deliver(makeRawPushBody('!!'))).status).toBe(503);
    } finally {
      proxy.setMode('forward');
    }
  }, 30_000);
});
