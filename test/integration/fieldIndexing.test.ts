import { Query } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_PAGE_BYTES } from '../../shared/domain/history/historyQueries';
import { planConversationQuery, planMessageQuery } from '../../shared/domain/history/queryPlans';
import { parseConversationName } from '../../shared/domain/resourceNames';
import { EXPIRE_AT_FIELD } from '../../shared/firestore/conversationStore';
import { createFirestoreHistoryReader } from '../../shared/firestore/historyReader';
import { COMPOSITE_INDEXES, FIELD_INDEXING } from '../../shared/firestore/indexes';
import { listUnreplayedDeliveries } from '../../shared/firestore/quarantineStore';
import { createFirestoreErasureStore } from '../../shared/firestore/erasureStore';
import { createFirestoreReconcileQueue } from '../../shared/firestore/reconcileQueue';
import { base64, lifecycleEvent, makePushBody, makeRawPushBody, messageEvent, nextMessageId, uniqueConversation } from '../support/builders';
import { baseUrl, post, testFirestore } from '../support/stack';
import { indexEntries } from '../support/indexEntries';

/**
 * FIELD_INDEXING (shared/firestore/indexes.ts) against what the code really does with the real client and the
 * emulator: every field a query of ours filters or orders on is declared queried (so never exempt from
 * indexing), and every field the functions write is classified, so that a new field is indexed or exempted on
 * purpose. terraform/firestore.tf declares the exemptions (test/infra/operations.test.ts).
 */

type Collection = keyof typeof FIELD_INDEXING;
const queriedFields = new Map<string, Set<string>>();
const record = (query: Query, field: unknown) => {
  // A collection's id is its last path segment: the collection group Firestore indexes by.
  const path = (query as unknown as { _queryOptions: { collectionId: string } })._queryOptions.collectionId;
  if (!queriedFields.has(path)) queriedFields.set(path, new Set());
  queriedFields.get(path)!.add(String(field));
};

const conversation = uniqueConversation();
const erased = uniqueConversation();
/** Quarantined deliveries, read by the ids their answers carry: one undecodable, one that names its conversation. */
const quarantined: { undecodable?: string; invalid?: string } = {};

beforeAll(async () => {
  const where = Query.prototype.where;
  const orderBy = Query.prototype.orderBy;
  vi.spyOn(Query.prototype, 'where').mockImplementation(function (this: Query, ...args: unknown[]) {
    record(this, args[0]);
    return (where as (...a: unknown[]) => Query).apply(this, args);
  });
  vi.spyOn(Query.prototype, 'orderBy').mockImplementation(function (this: Query, ...args: unknown[]) {
    record(this, args[0]);
    return (orderBy as (...a: unknown[]) => Query).apply(this, args);
  });

  // Every kind of document the functions write, with every optional field they can carry.
  for (const type of ['CONVERSATION_STARTED', 'HUMAN_INTERVENTION_NEEDED', 'CONVERSATION_FINISHED']) {
    expect((await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(conversation.name, type, { unmodelled: 1 })))).status).toBe(200);
  }
  const message = makePushBody(messageEvent(conversation.name, nextMessageId(), { sentimentAnalysis: { queryTextSentiment: { score: 0.1 } } }), {
    attributes: { origin: 'test' },
  });
  expect((await post('/ingestMessageEvents', message)).status).toBe(200);
  expect((await post('/ingestMessageEvents', makePushBody(lifecycleEvent(conversation.name, 'NEW_RECOGNITION_RESULT', { recognitionResult: {} })))).status).toBe(200);
  const undecodable = await post('/ingestMessageEvents', makeRawPushBody('not base64 json!'));
  expect(undecodable.status).toBe(200);
  quarantined.undecodable = String(undecodable.body['quarantineId']);
  // Decodable but invalid: every fact a quarantined delivery can carry (conversation, event type, message id, sizes).
  const invalid = await post('/ingestMessageEvents', {
    ...makeRawPushBody(base64(JSON.stringify(messageEvent(conversation.name, nextMessageId(), { createTime: 'soon' })))),
    deliveryAttempt: 1,
  });
  expect(invalid.body).toMatchObject({ outcome: 'rejected', code: 'invalid_timestamp' });
  quarantined.invalid = String(invalid.body['quarantineId']);
  // An erased conversation: its tombstone, and its registration in erasures.
  expect((await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(erased.name, 'CONVERSATION_STARTED')))).status).toBe(200);
  expect((await fetch(`${baseUrl()}/v2/${erased.name}`, { method: 'DELETE' })).status).toBe(200);
});

afterAll(() => {
  vi.restoreAllMocks();
});

describe('single-field indexing of what the code queries and writes', () => {
  it('declares every field the history and replay queries filter or order on as queried, never as exempt', async () => {
    const reader = createFirestoreHistoryReader(testFirestore(), { deadlineMs: 10_000 });
    const parent = parseConversationName(conversation.name)!;
    const filters = [
      '',
      'lifecycle_state = "COMPLETED"',
      'start_time > "2026-01-01T00:00:00Z"',
      'end_time > "2026-01-01T00:00:00Z"',
      'lifecycle_state = "IN_PROGRESS" AND end_time < "2030-01-01T00:00:00Z"',
      'start_time > "2026-01-01T00:00:00Z" AND end_time < "2030-01-01T00:00:00Z"',
    ];
    for (const filter of filters) await reader.listConversations(parent, planConversationQuery(filter), { limit: 5, before: '9', maxBytes: MAX_PAGE_BYTES });
    for (const filter of ['', 'create_time > "2026-01-01T00:00:00Z"']) await reader.listMessages(parent, planMessageQuery(filter).range, { limit: 5, before: '9', maxBytes: MAX_PAGE_BYTES });
    await listUnreplayedDeliveries(testFirestore(), 5);
    await createFirestoreReconcileQueue(testFirestore(), { deadlineMs: 10_000 }).listDue(parent, '9999', 5);
    await createFirestoreErasureStore(testFirestore(), { deadlineMs: 10_000 }).sweep(new Date());

    expect([...queriedFields.keys()].sort()).toEqual(['conversations', 'erasures', 'messages', 'quarantine']);
    expect([...queriedFields.get('quarantine')!].sort()).toEqual(['conversation', 'replayed']);
    for (const [collection, fields] of queriedFields) {
      const indexing = FIELD_INDEXING[collection as Collection];
      expect([...fields].sort(), collection).toEqual([...indexing.queried].sort());
      for (const field of fields) expect(indexing.unindexed, `${collection}.${field}`).not.toContain(field);
    }
    for (const index of COMPOSITE_INDEXES) {
      for (const { fieldPath } of index.fields) expect(FIELD_INDEXING[index.collectionGroup as Collection].queried).toContain(fieldPath);
    }
  });

  it.each([
    ['conversations', () => testFirestore().doc(conversation.name).get()],
    ['messages', async () => (await testFirestore().doc(conversation.name).collection('messages').get()).docs[0]!],
    ['recognitionResults', async () => (await testFirestore().doc(conversation.name).collection('recognitionResults').get()).docs[0]!],
    ['participants', async () => (await testFirestore().doc(conversation.name).collection('participants').get()).docs[0]!],
    ['quarantine', () => testFirestore().collection('quarantine').doc(quarantined.undecodable!).get()],
    ['quarantine', () => testFirestore().collection('quarantine').doc(quarantined.invalid!).get()],
    ['conversations', () => testFirestore().doc(erased.name).get()],
    ['erasures', async () => (await testFirestore().collection('erasures').where('conversation', '==', erased.name).get()).docs[0]!],
  ] as const)('classifies every field the functions write to %s as queried, kept for operators or exempt', async (collection, read) => {
    const document = (await read()).data()!;
    const indexing = FIELD_INDEXING[collection];
    const classified = [...indexing.queried, ...indexing.forOperators, ...indexing.unindexed, EXPIRE_AT_FIELD];
    const unclassified = Object.keys(document).filter((field) => !classified.includes(field));
    expect(unclassified, `fields of ${collection} that FIELD_INDEXING does not name`).toEqual([]);
    // Each field is in one list only.
    expect(new Set(classified).size).toBe(classified.length);
  });

  it('saves most index entries of every message and conversation write', async () => {
    const message = (await testFirestore().doc(conversation.name).collection('messages').get()).docs[0]!.data();
    const stored = (await testFirestore().doc(conversation.name).get()).data()!;
    const messageEntries = { all: indexEntries(message, []), kept: indexEntries(message, FIELD_INDEXING.messages.unindexed) };
    const conversationEntries = { all: indexEntries(stored, []), kept: indexEntries(stored, FIELD_INDEXING.conversations.unindexed) };
    // Only sortKey's ascending and descending entries remain of a message's 9 fields (docs/operations.md: index exemptions).
    expect(messageEntries).toEqual({ all: 18, kept: 2 });
    // A conversation keeps lifecycleState, startSortKey, endSortKey and reconcileDueKey's; without exemptions it also
    // pays for its 15 other fields and one entry per lifecycle event (3 here), on every update.
    expect(stored['lifecycleEvents']).toHaveLength(3);
    expect(conversationEntries).toEqual({ all: 8 + 2 * 15 + 3, kept: 8 });
  });

  it('indexes a quarantined delivery only by replayed and conversation, no value that increases across the database', async () => {
    const entries = async (id: string) => {
      const document = (await testFirestore().collection('quarantine').doc(id).get()).data()!;
      return { fields: Object.keys(document).length, all: indexEntries(document, ['rawBody']), kept: indexEntries(document, FIELD_INDEXING.quarantine.unindexed) };
    };
    // 17 fields; the 16 beside the raw body wrote 32 entries, receivedAt's, publishTime's and pubsubMessageId's among them.
    expect(await entries(quarantined.invalid!)).toEqual({ fields: 17, all: 32, kept: 4 });
    // An undecodable delivery names no conversation: replayed's 2 entries only.
    expect(await entries(quarantined.undecodable!)).toEqual({ fields: 11, all: 20, kept: 2 });
    for (const increasing of ['receivedAt', 'publishTime', 'pubsubMessageId']) expect(FIELD_INDEXING.quarantine.unindexed).toContain(increasing);
  });
});
