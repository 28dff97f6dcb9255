import { createHash } from 'node:crypto';
import { Timestamp, type CollectionReference, type Firestore, type Query } from '@google-cloud/firestore';
import { lateWritesUntil } from '../domain/erasure';
import type { ErasureStore } from '../domain/ports';
import { parseConversationName, type ConversationId } from '../domain/resourceNames';
import { EXPIRE_AT_FIELD, isTombstone, toTombstoneDocument } from './conversationStore';
import { withDeadline } from './deadline';
import { MESSAGES, PARTICIPANTS, QUARANTINE, RECOGNITION_RESULTS, conversationDocument } from './paths';

/** One document per erasure whose tombstone lives (TTL on expireAt removes it with the tombstone). */
export const ERASURES = 'erasures';
/**
 * Set on a registration while the sweep must still visit it: the end of its late-write window (erasure.ts).
 * Set to null once a run begun after that time has deleted everything under it, so the sweep's query (a range
 * of timestamps on this field, which null is outside) returns the erasures of the last window and those cut
 * short, never the 35 days of tombstones.
 */
export const SWEEP_DUE_FIELD = 'sweepDue';
const BATCH = 400;
const EPOCH = Timestamp.fromMillis(0);
/** Registrations the sweep reads per query, and conversations it sweeps at once. */
const SWEEP_PAGE = 100;
const SWEEP_CONCURRENCY = 8;

export interface FirestoreErasureStoreOptions {
  deadlineMs: number;
  /** How long one erase or one sweep may delete for before it answers; what is left is the sweep's (erasure.ts). */
  budgetMs?: number;
  /** Milliseconds since the epoch (tests pass their own). */
  now?: () => number;
}

/** The erasure store of erasure.ts over Firestore: the tombstone and its registration in one transaction, then the deletes. */
export function createFirestoreErasureStore(db: Firestore, options: FirestoreErasureStoreOptions): ErasureStore {
  const { deadlineMs, budgetMs = 40_000, now = Date.now } = options;
  const registration = (name: string) => db.collection(ERASURES).doc(createHash('sha256').update(name).digest('hex').slice(0, 40));

  /** Deletes every document the query returns, a batch at a time, reading only their names; stops at `until` (epoch ms). */
  async function deleteAll(query: Query, until: number): Promise<{ deleted: number; complete: boolean }> {
    let deleted = 0;
    for (;;) {
      if (now() >= until) return { deleted, complete: false };
      const page = await withDeadline('erasure read', deadlineMs, () => query.select().limit(BATCH).get());
      if (page.empty) return { deleted, complete: true };
      const batch = db.batch();
      for (const doc of page.docs) batch.delete(doc.ref);
      await withDeadline('erasure delete', deadlineMs, () => batch.commit());
      deleted += page.size;
      // A short page was the last: no empty query to learn it.
      if (page.size < BATCH) return { deleted, complete: true };
    }
  }

  /** Everything of the conversation but its tombstone, until `until`. */
  async function deleteParts(conversation: ConversationId, until: number): Promise<{ deleted: number; complete: boolean }> {
    const ref = conversationDocument(db, conversation);
    const collections: Query[] = [
      ref.collection(MESSAGES) as CollectionReference,
      ref.collection(RECOGNITION_RESULTS) as CollectionReference,
      ref.collection(PARTICIPANTS) as CollectionReference,
      db.collection(QUARANTINE).where('conversation', '==', conversation.name),
    ];
    const results = await Promise.all(collections.map((query) => deleteAll(query, until)));
    return { deleted: results.reduce((sum, r) => sum + r.deleted, 0), complete: results.every((r) => r.complete) };
  }

  return {
    async erase(conversation, erasedAt, expiresAt) {
      const until = now() + budgetMs;
      const ref = conversationDocument(db, conversation);
      const alreadyErased = await withDeadline('erasure', deadlineMs, () =>
        db.runTransaction(async (tx) => {
          const current = await tx.get(ref);
          if (isTombstone(current.data())) return true;
          // First the tombstone: from its commit on, no read returns the conversation and no merge writes it. Deleted,
          // then written, so that nothing of the document remains even where a store merges on set().
          tx.delete(ref);
          tx.set(ref, toTombstoneDocument(conversation.name, erasedAt, expiresAt));
          tx.set(registration(conversation.name), {
            conversation: conversation.name,
            erasedAt: Timestamp.fromDate(erasedAt),
            [SWEEP_DUE_FIELD]: Timestamp.fromDate(lateWritesUntil(erasedAt)),
            [EXPIRE_AT_FIELD]: Timestamp.fromDate(expiresAt),
          });
          return false;
        }),
      );
      const { deleted, complete } = await deleteParts(conversation, until);
      return { alreadyErased, documentsDeleted: deleted, complete };
    },

    async sweep(at) {
      const started = at.getTime();
      const until = now() + budgetMs;
      let tombstones = 0;
      let documentsDeleted = 0;
      let complete = true;
      // Keyset pages on the due time: one tied with a page's last waits for the next run (it stays due until cleared).
      let after: Timestamp | undefined;
      for (;;) {
        const query = db.collection(ERASURES).where(SWEEP_DUE_FIELD, after ? '>' : '>=', after ?? EPOCH).orderBy(SWEEP_DUE_FIELD).limit(SWEEP_PAGE);
        const page = await withDeadline('erasure sweep read', deadlineMs, () => query.get());
        const queue = [...page.docs];
        const worker = async () => {
          for (let doc = queue.shift(); doc; doc = queue.shift()) {
            const conversation = parseConversationName(String(doc.get('conversation')));
            if (!conversation) continue;
            tombstones += 1;
            const swept = await deleteParts(conversation, until);
            documentsDeleted += swept.deleted;
            complete &&= swept.complete;
            const due = doc.get(SWEEP_DUE_FIELD) as Timestamp;
            // This run began after every late write could land, and found nothing left: no run need look again.
            if (swept.complete && due.toMillis() < started) {
              await withDeadline('erasure sweep done', deadlineMs, () => doc.ref.update({ [SWEEP_DUE_FIELD]: null }));
            }
          }
        };
        await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
        if (page.size < SWEEP_PAGE) return { tombstones, documentsDeleted, complete };
        if (now() >= until) return { tombstones, documentsDeleted, complete: false };
        after = page.docs[page.docs.length - 1]!.get(SWEEP_DUE_FIELD) as Timestamp;
      }
    },
  };
}
