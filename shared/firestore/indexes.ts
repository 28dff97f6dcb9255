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
