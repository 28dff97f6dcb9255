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
 *   ('erased'), so lifecycle events, reconcile and backfill write nothing.
 * - A message or recognition result is a blind create (one write, no read, the steady-state cost of a
 *   NEW_MESSAGE). One written by a late delivery cannot be read (above), and the sweep deletes it at its next
 *   run (reconcileConversations, on Cloud Scheduler's schedule): the bounded time the README states.
 * - The tombstone expires after TOMBSTONE_DAYS, longer than anything can still deliver: the dead-letter
 *   subscription keeps 31 days, and Dialogflow purges finished conversations after 30.
 * - The audit line names who erased which conversation, when, and how many documents; never content.
 */
export const TOMBSTONE_DAYS = 35;

export interface ErasureReport {
  conversation: string;
  erasedAt: string;
  alreadyErased: boolean;
  documentsDeleted: number;
}

export async function eraseConversation(store: ErasureStore, conversation: ConversationId, now: Date): Promise<ErasureReport> {
  const expires = new Date(now.getTime() + TOMBSTONE_DAYS * 86_400_000);
  const { alreadyErased, documentsDeleted } = await store.erase(conversation, now, expires);
  return { conversation: conversation.name, erasedAt: now.toISOString(), alreadyErased, documentsDeleted };
}
