import { createHash } from 'node:crypto';
import { Timestamp, type CollectionReference, type Firestore, type Query } from '@google-cloud/firestore';
import type { ErasureStore } from '../domain/ports';
import { parseConversationName, type ConversationId } from '../domain/resourceNames';
import { EXPIRE_AT_FIELD, isTombstone, toTombstoneDocument } from './conversationStore';
import { withDeadline } from './deadline';
import { MESSAGES, QUARANTINE, RECOGNITION_RESULTS, conversationDocument } from './paths';

/** One document per erasure whose tombstone lives: what the sweep walks (TTL on expireAt removes it with the tombstone). */
export const ERASURES = 'erasures';
const BATCH = 400;

/** The erasure store of erasure.ts over Firestore: the tombstone and its registration in one transaction, then the deletes. */
export function createFirestoreErasureStore(db: Firestore, options: { deadlineMs: number }): ErasureStore {
  const { deadlineMs } = options;
  const registration = (name: string) => db.collection(ERASURES).doc(createHash('sha256').update(name).digest('hex').slice(0, 40));

  /** Deletes every document the query returns, a batch at a time, reading only their names. */
  async function deleteAll(query: Query): Promise<number> {
    let deleted = 0;
    for (;;) {
      const page = await withDeadline('erasure read', deadlineMs, () => query.select().limit(BATCH).get());
      if (page.empty) return deleted;
      const batch = db.batch();
      for (const doc of page.docs) batch.delete(doc.ref);
      await withDeadline('erasure delete', deadlineMs, () => batch.commit());
      deleted += page.size;
    }
  }

  /** Everything of the conversation but its tombstone. */
  async function deleteParts(conversation: ConversationId): Promise<number> {
    const ref = conversationDocument(db, conversation);
    const collections: Query[] = [
      ref.collection(MESSAGES) as CollectionReference,
      ref.collection(RECOGNITION_RESULTS) as CollectionReference,
      db.collection(QUARANTINE).where('conversation', '==', conversation.name),
    ];
    let deleted = 0;
    for (const query of collections) deleted += await deleteAll(query);
    return deleted;
  }

  return {
    async erase(conversation, erasedAt, expiresAt) {
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
            [EXPIRE_AT_FIELD]: Timestamp.fromDate(expiresAt),
          });
          return false;
        }),
      );
      return { alreadyErased, documentsDeleted: await deleteParts(conversation) };
    },

    async sweep(now) {
      const registered = await withDeadline('erasure sweep read', deadlineMs, () => db.collection(ERASURES).get());
      let tombstones = 0;
      let documentsDeleted = 0;
      for (const doc of registered.docs) {
        const expires = doc.get(EXPIRE_AT_FIELD) as Timestamp | undefined;
        const conversation = parseConversationName(String(doc.get('conversation')));
        // TTL deletes expired registrations within a day or so; until then they are skipped here.
        if (!conversation || (expires && expires.toMillis() <= now.getTime())) continue;
        tombstones += 1;
        documentsDeleted += await deleteParts(conversation);
      }
      return { tombstones, documentsDeleted };
    },
  };
}
