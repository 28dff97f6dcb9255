import { targetFor, toPushBody } from '../shared/pubsub/pushDelivery';
import { difference, startCountingFirestore, type OperationCounts } from './lib/countingFirestore';
import { startServer } from './lib/processes';

/**
 * 3. Firestore operations per event, counted at the emulator's gRPC service
 * while the real client in the running functions does its work. Each case
 * is one delivery, measured alone.
 */
export interface CostCase {
  name: string;
  counts: OperationCounts;
  goal: string;
  met: boolean;
}

export async function benchFirestoreCost(): Promise<CostCase[]> {
  const firestore = await startCountingFirestore();
  const stack = await startServer('shared/local/start.ts', { FIRESTORE_EMULATOR_HOST: firestore.host, LOG_LEVEL: 'WARNING' }, { bundle: false });
  const conversation = 'projects/bench-project/locations/global/conversations/CostCase';
  let sequence = 0;
  const deliver = async (event: Record<string, unknown>, messageId = `cost-${sequence++}`) => {
    // The function Terraform's topics push each type to: recognition results have one of their own.
    const target = targetFor(event);
    const before = firestore.counts();
    const response = await fetch(`${stack.url}/${target}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(toPushBody({ event, messageId, publishTime: `2026-11-02T14:00:${String(sequence % 60).padStart(2, '0')}Z` }, target)),
    });
    await response.arrayBuffer();
    return difference(firestore.counts(), before);
  };
  // Every message Dialogflow sends names its participant: a participant's first message here also creates it.
  const message = (id: string, participant = 'Customer') => ({
    conversation,
    type: 'NEW_MESSAGE',
    newMessagePayload: { name: `${conversation}/messages/${id}`, content: 'hello', createTime: '2026-11-02T14:00:01Z', participant: `${conversation}/participants/${participant}`, participantRole: 'END_USER' },
  });

  try {
    const cases: CostCase[] = [];
    const add = (name: string, counts: OperationCounts, goal: string, met: (c: OperationCounts) => boolean) =>
      cases.push({ name, counts, goal, met: met(counts) });

    add('NEW_MESSAGE, first of its conversation in this instance', await deliver(message('M0')), 'conversation and participant created once per instance: 3 writes', (c) => c.writes + c.failedPreconditionWrites <= 3 && c.documentReads === 0);
    add("NEW_MESSAGE, another participant's first in this instance", await deliver(message('MA', 'Agent')), 'participant created once per instance: 2 writes', (c) => c.writes + c.failedPreconditionWrites <= 2 && c.documentReads === 0);
    const steady = await deliver(message('M1'));
    add('NEW_MESSAGE, steady state', steady, '1 write, 0 reads', (c) => c.writes === 1 && c.documentReads === 0 && c.failedPreconditionWrites === 0);
    add('NEW_MESSAGE, duplicate delivery', await deliver(message('M1'), 'cost-dup-m1'), 'at most 1 read or 1 failed precondition write', (c) => c.writes === 0 && c.documentReads + c.failedPreconditionWrites <= 1);
    // A voice call's streaming results, on ingestRecognitionResults: its own instances, so its own cache of the
    // conversations it has made sure exist. Each result is stored under its Pub/Sub message id.
    const recognition = { conversation, type: 'NEW_RECOGNITION_RESULT', newRecognitionResultPayload: { transcript: 'hel', isFinal: false } };
    add('NEW_RECOGNITION_RESULT, first of its conversation in this instance', await deliver(recognition, 'cost-rr-0'), 'conversation created once per instance: 2 writes', (c) => c.writes + c.failedPreconditionWrites <= 2 && c.documentReads <= 1);
    add('NEW_RECOGNITION_RESULT, steady state', await deliver(recognition, 'cost-rr-1'), '1 write, 0 reads', (c) => c.writes === 1 && c.documentReads === 0 && c.failedPreconditionWrites === 0);
    add('NEW_RECOGNITION_RESULT, duplicate delivery', await deliver(recognition, 'cost-rr-1'), 'at most 1 failed precondition write', (c) => c.writes === 0 && c.documentReads + c.failedPreconditionWrites <= 1);
    const started = { conversation, type: 'CONVERSATION_STARTED' };
    add('CONVERSATION_STARTED', await deliver(started, 'cost-started'), '1 transaction: 1 read, 1 write', (c) => c.documentReads <= 1 && c.writes <= 1 && c.commits <= 1);
    add('CONVERSATION_STARTED, duplicate delivery', await deliver(started, 'cost-started'), 'at most 1 read, no write', (c) => c.documentReads <= 1 && c.writes === 0);
    add('CONVERSATION_FINISHED', await deliver({ conversation, type: 'CONVERSATION_FINISHED' }), '1 transaction: 1 read, 1 write', (c) => c.documentReads <= 1 && c.writes <= 1 && c.commits <= 1);
    return cases;
  } finally {
    await stack.stop();
    firestore.stop();
  }
}
