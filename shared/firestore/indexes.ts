/**
 * Every composite index the code's queries need: the one list that
 * terraform/firestore.tf declares (a test checks the two agree).
 *
 * Queries that order and range-filter on a single field (messages by
 * `sortKey`, conversations by `startSortKey` or `endSortKey` without a
 * lifecycle_state filter) use Firestore's automatic single-field indexes.
 */
export interface CompositeIndex {
  collectionGroup: string;
  queryScope: 'COLLECTION';
  fields: Array<{ fieldPath: string; order: 'ASCENDING' | 'DESCENDING' }>;
}

export const COMPOSITE_INDEXES: CompositeIndex[] = [
  {
    // conversations.list with lifecycle_state = "…", ordered by start time.
    collectionGroup: 'conversations',
    queryScope: 'COLLECTION',
    fields: [
      { fieldPath: 'lifecycleState', order: 'ASCENDING' },
      { fieldPath: 'startSortKey', order: 'DESCENDING' },
    ],
  },
  {
    // conversations.list with lifecycle_state = "…" and only end_time compared, ordered by end time.
    collectionGroup: 'conversations',
    queryScope: 'COLLECTION',
    fields: [
      { fieldPath: 'lifecycleState', order: 'ASCENDING' },
      { fieldPath: 'endSortKey', order: 'DESCENDING' },
    ],
  },
];

/**
 * Single-field indexing, per collection group. Firestore indexes every
 * field of every document by default, and each write pays an index entry
 * per field (two: ascending and descending) and per element of an array.
 * Only what a query filters or orders on keeps its indexes; every other
 * field is exempt (terraform/firestore.tf declares exactly UNINDEXED_FIELDS,
 * and test/infra holds both lists against the queries the code runs and the
 * documents it writes).
 *
 * `expireAt` is absent on purpose: its TTL policy resource exempts it.
 */
export interface FieldIndexing {
  /** Filtered or ordered on by a query of ours: keeps its automatic indexes. */
  queried: readonly string[];
  /** Not queried by the code, but kept indexed so that an operator can filter on it in the console. */
  forOperators: readonly string[];
  /** Nothing queries it: exempt from single-field indexing. */
  unindexed: readonly string[];
}

export const FIELD_INDEXING: Record<'conversations' | 'messages' | 'recognitionResults' | 'participants' | 'quarantine' | 'erasures', FieldIndexing> = {
  conversations: {
    // reconcileDueKey: the reconcile queue (reconcileQueue.ts).
    queried: ['lifecycleState', 'startSortKey', 'endSortKey', 'reconcileDueKey'],
    forOperators: [],
    unindexed: [
      'name',
      'project',
      'location',
      'conversationId',
      'startTime',
      'endTime',
      'conversationStage',
      'conversationProfile',
      'phoneNumber',
      'eventStartTime',
      'eventEndTime',
      'humanInterventionNeeded',
      // What Dialogflow's API said: a map, the whole read Conversation inside.
      'dialogflow',
      // An array of maps: one index entry per lifecycle event, rewritten on every update of the conversation.
      'lifecycleEvents',
      'lifecycleEventsTruncated',
      'schemaVersion',
      // An erased conversation's tombstone (erasure.ts).
      'tombstone',
      'erasedAt',
    ],
  },
  messages: {
    queried: ['sortKey'],
    forOperators: [],
    unindexed: ['conversation', 'messageId', 'createTime', 'participantRole', 'participantId', 'payloadJson', 'eventDetailJson', 'schemaVersion'],
  },
  recognitionResults: {
    queried: [],
    forOperators: [],
    unindexed: ['conversation', 'pubsubMessageId', 'publishTime', 'payloadJson', 'schemaVersion'],
  },
  participants: {
    // participantId: participants.list pages on it (historyReader.ts); a few per conversation.
    queried: ['participantId'],
    forOperators: [],
    unindexed: ['conversation', 'role', 'firstMessageTime', 'dialogflowJson', 'schemaVersion'],
  },
  quarantine: {
    // replayed: replay-quarantine's query (listUnreplayedDeliveries, an equality with a limit and no order);
    // conversation: erasure's (erasureStore.ts). Neither value increases across the database, and the ids are
    // hashes, so their entries spread over the key range. Every other field is exempt: a storm of rejections
    // wrote 34 index entries per delivery, three of them (receivedAt, publishTime, pubsubMessageId) increasing
    // across the whole database, which caps the storm near 500 writes a second. Operators read the quarantine
    // by id (the rejection log line and the 200 answer carry it) or with npm run replay-quarantine.
    queried: ['replayed', 'conversation'],
    forOperators: [],
    unindexed: [
      'reasonCode',
      'reason',
      'receivedBy',
      'receivedAt',
      'rawBody',
      'rawBodyEncoding',
      'rawBodyBytes',
      'replayedAt',
      'pubsubMessageId',
      'subscription',
      'deliveryAttempt',
      'publishTime',
      'eventType',
      'eventKind',
      'messageId',
      'dataBytes',
    ],
  },
  erasures: {
    // sweepDue: the erasure sweep's query (erasureStore.ts), the erasures still in their late-write window; a
    // few hundred a day, so its increasing values stay far below Firestore's 500 writes a second per index range.
    queried: ['sweepDue'],
    forOperators: [],
    unindexed: ['conversation', 'erasedAt'],
  },
};

/** Every exempt field as Terraform declares it: `{ collection, field }`. */
export const UNINDEXED_FIELDS = Object.entries(FIELD_INDEXING).flatMap(([collection, indexing]) =>
  indexing.unindexed.map((field) => ({ collection, field })),
);
