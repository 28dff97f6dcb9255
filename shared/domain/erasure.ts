import type { ErasureStore } from './ports';
import type { ConversationId } from './resourceNames';

/**
 * Erasure of a conversation, on a data subject's request.
 *
 * The invariant: once the erasure is answered, no read returns any part of the conversation, and no later
 * delivery makes any part of it readable again (Pub/Sub redeliveries within the subscriptions' retention,
 * dead-letter and quarantine replays, a backfill of what Dialogflow still holds). How it is kept:
 * - The conversation document becomes a tombstone (its name, the erasure time, an expiry) before anything is
 *   deleted. Every read of the history goes through the conversation document: a tombstone reads as "no such
 *   conversation", and a messages page is served only beside a live conversation document.
 * - Every write that merges into a conversation is a transaction that reads it first: a tombstone refuses it
 *   ('erased'), so lifecycle events, reconcile and backfill write nothing; so is the merge of a participant
 *   Dialogflow listed, which reads the conversation beside it.
 * - A message or recognition result, and the participant a message names, is a blind create (one write, no read,
 *   the steady-state cost of a NEW_MESSAGE), by an instance that made sure the conversation exists and is no tombstone at most
 *   KNOWN_CONVERSATION_MAX_AGE_MS before (its cache forgets older checks). So a late write, one that lands
 *   after the erasure, is issued within that age of the tombstone's commit and lands within IN_FLIGHT_MS more:
 *   every late write lands within LATE_WRITE_WINDOW_MS of the erasure. It cannot be read (above), and the sweep
 *   (the erasure function's POST /sweep, on Cloud Scheduler's schedule) deletes it: the sweep visits an erasure
 *   until a run that began after its window has deleted everything under it, and no other, so a run's cost
 *   grows with the erasures of the last window, never with the 35 days of tombstones.
 * - Erasing is resumable: a DELETE that stops part-way (its time budget, the function's timeout) has already
 *   committed the tombstone, so nothing is readable; the rest is deleted by the sweep, or by a DELETE again.
 * - The tombstone expires after TOMBSTONE_DAYS, longer than anything can still deliver: the dead-letter
 *   subscription keeps 31 days, and Dialogflow purges finished conversations after 30.
 * - The audit line names who erased which conversation, when, and how many documents; never content.
 */
export const TOMBSTONE_DAYS = 35;

/** How long an instance trusts its check that a conversation exists and is not erased (conversationStore.ts). */
export const KNOWN_CONVERSATION_MAX_AGE_MS = 10 * 60_000;
/**
 * The longest a checked write may still land after the check's request began it: the ingest functions' longest
 * timeout (540 s) and the Firestore client's own retries of an abandoned commit (60 s each), with margin.
 */
export const IN_FLIGHT_MS = 20 * 60_000;
/** Every late write under an erased conversation lands within this of the erasure (above). */
export const LATE_WRITE_WINDOW_MS = KNOWN_CONVERSATION_MAX_AGE_MS + IN_FLIGHT_MS;

/** Until when the sweep must look under a conversation erased at `erasedAt`: a run begun after it is the last. */
export function lateWritesUntil(erasedAt: Date): Date {
  return new Date(erasedAt.getTime() + LATE_WRITE_WINDOW_MS);
}

export interface ErasureReport {
  conversation: string;
  erasedAt: string;
  alreadyErased: boolean;
  documentsDeleted: number;
  /** False when the time budget ran out first: the sweep deletes the rest (nothing of it is readable). */
  complete: boolean;
}

export async function eraseConversation(store: ErasureStore, conversation: ConversationId, now: Date): Promise<ErasureReport> {
  const expires = new Date(now.getTime() + TOMBSTONE_DAYS * 86_400_000);
  const { alreadyErased, documentsDeleted, complete } = await store.erase(conversation, now, expires);
  return { conversation: conversation.name, erasedAt: now.toISOString(), alreadyErased, documentsDeleted, complete };
}
