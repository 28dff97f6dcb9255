import { expect, it } from 'vitest';
import { benchFirestoreCost } from '../../bench/firestoreCost';

/**
 * What each event costs in Firestore operations, counted at the emulator's
 * gRPC service while the real client works (npm run bench prints the same
 * table). Counts, not times: exact on any machine.
 */
it('keeps every event within its Firestore budget', async () => {
  const cases = await benchFirestoreCost();
  expect(cases.map(({ name, counts }) => [name, counts.documentReads, counts.writes, counts.failedPreconditionWrites])).toEqual([
    // The conversation, the message and the participant it names; then a write for each new participant.
    ['NEW_MESSAGE, first of its conversation in this instance', 0, 3, 0],
    ["NEW_MESSAGE, another participant's first in this instance", 0, 2, 0],
    ['NEW_MESSAGE, steady state', 0, 1, 0],
    ['NEW_MESSAGE, duplicate delivery', 0, 0, 1],
    // On ingestRecognitionResults, whose instances meet the conversation the message function created: one
    // refused create and one read (is it a tombstone?) once per instance, then one blind create per result.
    ['NEW_RECOGNITION_RESULT, first of its conversation in this instance', 1, 1, 1],
    ['NEW_RECOGNITION_RESULT, steady state', 0, 1, 0],
    ['NEW_RECOGNITION_RESULT, duplicate delivery', 0, 0, 1],
    ['CONVERSATION_STARTED', 1, 1, 0],
    ['CONVERSATION_STARTED, duplicate delivery', 1, 0, 0],
    ['CONVERSATION_FINISHED', 1, 1, 0],
  ]);
  expect(cases.filter((c) => !c.met).map((c) => c.name)).toEqual([]);
}, 60_000);
