import { createHash } from 'node:crypto';
import { Timestamp, type DocumentData, type Firestore, type QueryDocumentSnapshot } from '@google-cloud/firestore';
import type { QuarantineRecord, QuarantineStore } from '../domain/ports';
import { ALREADY_EXISTS, grpcCode, withDeadline } from './deadline';
import { QUARANTINE } from './paths';
import { EXPIRE_AT_FIELD } from './conversationStore';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The id is a hash of who received what, so a redelivery of the same bad
 * delivery lands on the same document instead of piling up copies.
 */
export function quarantineId(record: QuarantineRecord): string {
  return createHash('sha256')
    .update(`${record.receivedBy}\n${record.facts.subscription ?? ''}\n${record.facts.pubsubMessageId ?? ''}\n`)
    .update(record.rawBody)
    .digest('hex')
    .slice(0, 40);
}

export function toQuarantineDocument(record: QuarantineRecord, retentionDays: number): DocumentData {
  const { rawBody } = record;
  let body: { rawBody: string | Buffer; rawBodyEncoding: 'utf-8' | 'bytes' };
  try {
    body = { rawBody: utf8.decode(rawBody), rawBodyEncoding: 'utf-8' };
  } catch {
    body = { rawBody: Buffer.from(rawBody), rawBodyEncoding: 'bytes' };
  }
  const facts = Object.fromEntries(Object.entries(record.facts).filter(([, value]) => value !== undefined));
  return {
    reasonCode: record.rejection.code,
    reason: record.rejection.reason,
    receivedBy: record.receivedBy,
    receivedAt: Timestamp.fromDate(record.receivedAt),
    ...facts,
    ...body,
    rawBodyBytes: rawBody.byteLength,
    replayed: false,
    ...(retentionDays > 0 ? { [EXPIRE_AT_FIELD]: Timestamp.fromMillis(record.receivedAt.getTime() + retentionDays * 86_400_000) } : {}),
  };
}

/** Quarantined deliveries go to the top-level `quarantine` collection, one document each, raw body included, kept as long as the history. */
export function createFirestoreQuarantineStore(db: Firestore, options: { deadlineMs: number; retentionDays: number }): QuarantineStore {
  return {
    async keep(record) {
      const id = quarantineId(record);
      try {
        await withDeadline('quarantine write', options.deadlineMs, () =>
          db.collection(QUARANTINE).doc(id).create(toQuarantineDocument(record, options.retentionDays)),
        );
      } catch (error) {
        if (grpcCode(error) !== ALREADY_EXISTS) throw error;
      }
      return id;
    },
  };
}

/** Quarantined deliveries not yet replayed successfully, at most `limit` (the query FIELD_INDEXING keeps `replayed` indexed for). */
export async function listUnreplayedDeliveries(db: Firestore, limit: number): Promise<QueryDocumentSnapshot[]> {
  return (await db.collection(QUARANTINE).where('replayed', '==', false).limit(limit).get()).docs;
}
