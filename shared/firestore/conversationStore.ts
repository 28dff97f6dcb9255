import { Timestamp, type DocumentData, type Firestore } from '@google-cloud/firestore';
import {
  ConversationStateSchema,
  addDays,
  conversationExpiry,
  conversationSortKeys,
  emptyConversationState,
  sameConversationState,
  type ConversationState,
} from '../domain/conversationState';
import { withFastPath } from '../domain/fastParse';
import type { WriteResult } from '../domain/outcomes';
import { parseTimestampNanos } from '../domain/timestamps';
import type { ConversationStore } from '../domain/ports';
import { KNOWN_CONVERSATION_MAX_AGE_MS } from '../domain/erasure';
import { reconcileDueTime } from '../domain/reconcileSchedule';
import type { ListedParticipantRecord, MessageRecord, ParticipantRecord, RecognitionResultRecord } from '../domain/records';
import { createBoundedSet } from './boundedSet';
import { ALREADY_EXISTS, grpcCode, withDeadline } from './deadline';
import { createKeyedMutex } from './keyedMutex';
import { RECOGNITION_RESULTS, conversationDocument, messagesCollection, participantsCollection } from './paths';

export interface FirestoreStoreOptions {
  deadlineMs: number;
  /** Days to keep documents, through `expireAt` and a TTL policy; 0 keeps them forever. */
  retentionDays: number;
  /**
   * Conversations this instance has made sure exist and are not erased (KNOWN_CONVERSATIONS_CAPACITY), least
   * recently used forgotten first; each check is trusted for KNOWN_CONVERSATION_MAX_AGE_MS (erasure.ts), then
   * made again with one read. About 190 bytes an entry (docs/scale.md).
   */
  knownConversationsCapacity?: number;
  /** Milliseconds of a monotonic clock, for the checks' age (tests pass their own). */
  now?: () => number;
}

/** The default of KNOWN_CONVERSATIONS_CAPACITY: about 10 MB of an instance's memory. */
export const DEFAULT_KNOWN_CONVERSATIONS_CAPACITY = 50_000;

/** Bumped when the stored shape changes incompatibly. */
export const SCHEMA_VERSION = 2;

/** The field Firestore's TTL policies delete documents by (terraform/firestore.tf). */
export const EXPIRE_AT_FIELD = 'expireAt';

/** The field the reconcile queue orders by (reconcile.ts): a sortable time, '' for at once, or NEVER_DUE. */
export const RECONCILE_DUE_FIELD = 'reconcileDueKey';
/**
 * Sorts after every time (they start with a digit), so the queue's `<= now` never takes it. Written rather than
 * leaving the field out: a field that was once there must be overwritten, and an emulator that merges on set()
 * would otherwise keep the old due time.
 */
export const NEVER_DUE = 'never';

/**
 * The state, plus what is derived from it: the sort keys the history API pages on, its expiry, and when
 * reconcile next asks Dialogflow about it (so still a function of the inputs).
 */
export function toConversationDocument(state: ConversationState, retentionDays: number): DocumentData {
  const due = reconcileDueTime(state);
  return {
    ...state,
    ...conversationSortKeys(state),
    ...expiry(conversationExpiry(state, retentionDays)),
    [RECONCILE_DUE_FIELD]: due ?? NEVER_DUE,
    schemaVersion: SCHEMA_VERSION,
  };
}

/**
 * `{ expireAt }` as a Firestore timestamp (TTL needs one), or nothing when the document is kept forever.
 * Firestore keeps microseconds and drops the rest: truncated here, what is written is what every store keeps.
 */
export function expiry(sortableTime: string | undefined): DocumentData {
  const nanos = sortableTime === undefined ? undefined : parseTimestampNanos(sortableTime);
  if (nanos === undefined) return {};
  const seconds = nanos / 1_000_000_000n;
  const microsecondsAsNanos = ((nanos - seconds * 1_000_000_000n) / 1_000n) * 1_000n;
  return { [EXPIRE_AT_FIELD]: new Timestamp(Number(seconds), Number(microsecondsAsNanos)) };
}

/**
 * An erased conversation's document: its name, when it was erased, and when the tombstone expires (TTL on
 * expireAt). No sort key, so no list query returns it; no state, so no merge starts from it (erasure.ts).
 */
export function toTombstoneDocument(name: string, erasedAt: Date, expiresAt: Date): DocumentData {
  return { name, tombstone: true, erasedAt: Timestamp.fromDate(erasedAt), [EXPIRE_AT_FIELD]: Timestamp.fromDate(expiresAt), schemaVersion: SCHEMA_VERSION };
}

export function isTombstone(data: DocumentData | undefined): boolean {
  return data?.['tombstone'] === true;
}

/** Read in every lifecycle event's transaction: the fast path compiled from the schema (fastParse.ts). */
const parseConversationState = withFastPath(ConversationStateSchema);

export function fromConversationDocument(data: DocumentData): ConversationState {
  const parsed = parseConversationState(data);
  if (!parsed.success) throw new Error(`Stored conversation ${String(data['name'])} does not match the schema: ${parsed.error.message.slice(0, 300)}`);
  return parsed.data;
}

export function toMessageDocument(message: MessageRecord, retentionDays: number): DocumentData {
  const { conversation, ...fields } = message;
  return { ...fields, conversation: conversation.name, ...expiry(addDays(message.createTime, retentionDays)), schemaVersion: SCHEMA_VERSION };
}

/**
 * A participant is kept a day longer than what sets its expiry (its first message here, the end of its
 * conversation once Dialogflow's listing is merged): a conversation's later messages expire later than its first,
 * and a day covers any conversation Dialogflow keeps open (it auto-completes them after 24 hours), so the
 * participant outlives every message that names it. The same day on both, so that the latest wins whichever came
 * first: the conversation's end, which no message of it follows.
 */
function participantRetentionDays(retentionDays: number): number {
  return retentionDays > 0 ? retentionDays + 1 : 0;
}

/** A participant as its first message here names it (participantRetentionDays says how long it is kept). */
export function toParticipantDocument(participant: ParticipantRecord, retentionDays: number): DocumentData {
  return participantFields(participant, participant.firstMessageTime, retentionDays, { firstMessageTime: participant.firstMessageTime });
}

/** What every participant document holds, whoever writes it: its names, its role when known, its expiry. */
function participantFields(
  participant: Pick<ParticipantRecord, 'conversation' | 'participantId' | 'role'>,
  expiryAnchor: string | undefined,
  retentionDays: number,
  fields: DocumentData,
): DocumentData {
  const { conversation, participantId, role } = participant;
  return {
    conversation: conversation.name,
    participantId,
    ...(role !== undefined ? { role } : {}),
    ...fields,
    ...(expiryAnchor !== undefined ? expiry(addDays(expiryAnchor, participantRetentionDays(retentionDays))) : {}),
    schemaVersion: SCHEMA_VERSION,
  };
}

function latestTimestamp(values: unknown[]): Timestamp | undefined {
  const timestamps = values.filter((value): value is Timestamp => value instanceof Timestamp);
  return timestamps.reduce<Timestamp | undefined>((latest, value) => (latest && latest.toMillis() >= value.toMillis() ? latest : value), undefined);
}

function isEqualValue(a: unknown, b: unknown): boolean {
  return a instanceof Timestamp && b instanceof Timestamp ? a.isEqual(b) : a === b;
}

/** What participants.list said, over the stored participant: its role wins; its expiry counted from the conversation's end, else start. */
function listedParticipantFields(participant: ListedParticipantRecord, retentionDays: number): DocumentData {
  return participantFields(participant, participant.expiryAnchor, retentionDays, { dialogflowJson: participant.dialogflowJson });
}

export function createFirestoreConversationStore(db: Firestore, options: FirestoreStoreOptions): ConversationStore {
  const { deadlineMs, retentionDays } = options;
  const knownConversations = createBoundedSet({
    capacity: options.knownConversationsCapacity ?? DEFAULT_KNOWN_CONVERSATIONS_CAPACITY,
    maxAgeMs: KNOWN_CONVERSATION_MAX_AGE_MS,
    ...(options.now ? { now: options.now } : {}),
  });
  /** Conversations whose tombstone this instance read: an erasure is for good, so no age. */
  const erasedConversations = createBoundedSet(1_000);
  const runExclusive = createKeyedMutex();
  /** Participants this instance has written or found: most conversations have two or three. */
  const knownParticipants = createBoundedSet(options.knownConversationsCapacity ?? DEFAULT_KNOWN_CONVERSATIONS_CAPACITY);

  async function createUnlessExists(operation: string, create: () => Promise<unknown>): Promise<WriteResult> {
    try {
      await withDeadline(operation, deadlineMs, create);
      return 'stored';
    } catch (error) {
      if (grpcCode(error) === ALREADY_EXISTS) return 'duplicate';
      throw error;
    }
  }

  return {
    async updateConversation(conversation, merge) {
      const ref = conversationDocument(db, conversation);
      const transaction = () =>
        db.runTransaction(async (tx): Promise<WriteResult> => {
          const snapshot = await tx.get(ref);
          if (isTombstone(snapshot.data())) return 'erased';
          const current = snapshot.exists ? fromConversationDocument(snapshot.data()!) : undefined;
          const next = merge(current);
          if (current && sameConversationState(current, next)) return 'duplicate';
          tx.set(ref, toConversationDocument(next, retentionDays));
          return 'stored';
        });
      // The request is answered (503) at the deadline, but the queue is held until the transaction really
      // settles: a transaction abandoned at its deadline may still commit, and the next one for this
      // conversation must read after it, not race it (stores without transaction isolation, such as the
      // embedded emulator, would otherwise let a stale write replace an acknowledged one).
      const result = await withDeadline('conversation update', deadlineMs, () => runExclusive(conversation.name, transaction));
      (result === 'erased' ? erasedConversations : knownConversations).add(conversation.name);
      return result;
    },

    async ensureConversation(conversation) {
      const known = knownConversations.lookup(conversation.name);
      if (known === 'fresh') return 'exists';
      if (erasedConversations.has(conversation.name)) return 'erased';
      const ref = conversationDocument(db, conversation);
      // Known, but the check has aged (so that a write after an erasure lands within LATE_WRITE_WINDOW_MS): one read.
      if (known === 'stale') {
        const current = await withDeadline('conversation read', deadlineMs, () => ref.get());
        if (current.exists) {
          const erased = isTombstone(current.data());
          (erased ? erasedConversations : knownConversations).add(conversation.name);
          return erased ? 'erased' : 'exists';
        }
      }
      const created = await createUnlessExists('conversation create', () => ref.create(toConversationDocument(emptyConversationState(conversation), retentionDays)));
      // It was there already: once per instance and conversation, read whether it is a tombstone.
      const erased = created === 'duplicate' && isTombstone((await withDeadline('conversation read', deadlineMs, () => ref.get())).data());
      (erased ? erasedConversations : knownConversations).add(conversation.name);
      return erased ? 'erased' : 'exists';
    },

    async createMessage(message) {
      const ref = messagesCollection(db, message.conversation).doc(message.messageId);
      return createUnlessExists('message create', () => ref.create(toMessageDocument(message, retentionDays)));
    },

    async createRecognitionResult(result: RecognitionResultRecord) {
      const { conversation, ...fields } = result;
      const ref = conversationDocument(db, conversation).collection(RECOGNITION_RESULTS).doc(result.pubsubMessageId);
      return createUnlessExists('recognition result create', () =>
        ref.create({ ...fields, conversation: conversation.name, ...expiry(addDays(result.publishTime, retentionDays)), schemaVersion: SCHEMA_VERSION }),
      );
    },

    async ensureParticipant(participant) {
      const key = `${participant.conversation.name}/participants/${participant.participantId}`;
      if (knownParticipants.has(key)) return;
      const ref = participantsCollection(db, participant.conversation).doc(participant.participantId);
      await createUnlessExists('participant create', () => ref.create(toParticipantDocument(participant, retentionDays)));
      knownParticipants.add(key);
    },

    async mergeListedParticipant(participant) {
      const ref = participantsCollection(db, participant.conversation).doc(participant.participantId);
      const fields = listedParticipantFields(participant, retentionDays);
      return withDeadline('participant update', deadlineMs, () =>
        db.runTransaction(async (tx): Promise<WriteResult> => {
          // Never under an erased conversation's tombstone (an erasure between Dialogflow's answer and this write), nor
          // under no conversation at all: nothing would ever expire or erase it.
          const [conversation, current] = await tx.getAll(conversationDocument(db, participant.conversation), ref);
          if (!conversation!.exists || isTombstone(conversation!.data())) return 'erased';
          // It expires with the latest of what set its expiry (its first message, a listing, the conversation): a
          // listing read while the conversation was in progress, anchored at its start, never moves it earlier.
          const expireAt = latestTimestamp([current!.get(EXPIRE_AT_FIELD), conversation!.get(EXPIRE_AT_FIELD), fields[EXPIRE_AT_FIELD]]);
          const next: DocumentData = { ...fields, ...(expireAt ? { [EXPIRE_AT_FIELD]: expireAt } : {}) };
          const same = (field: string) => current!.exists && isEqualValue(current!.get(field), next[field]);
          // A listing without a role leaves the one its messages gave.
          if (same('dialogflowJson') && (next['role'] === undefined || same('role')) && same(EXPIRE_AT_FIELD)) return 'duplicate';
          tx.set(ref, next, { merge: true });
          return 'stored';
        }),
      );
    },
  };
}
