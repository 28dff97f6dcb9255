import type { ConversationState } from './conversationState';
import type { DeliveryFacts, Rejection, WriteResult } from './outcomes';
import type { ListedParticipantRecord, MessageRecord, ParticipantRecord, RecognitionResultRecord } from './records';
import type { ConversationId, ConversationParent } from './resourceNames';

/**
 * Where conversations and their messages are kept. Implementations throw
 * only for failures (store unreachable, deadline exceeded); "already there"
 * is the value 'duplicate'.
 */
export interface ConversationStore {
  /**
   * Reads the conversation, merges `event` into it and writes the result
   * atomically; writes nothing when the merge changes nothing, or when the
   * conversation was erased ('erased').
   */
  updateConversation(
    conversation: ConversationId,
    merge: (current: ConversationState | undefined) => ConversationState,
  ): Promise<WriteResult>;
  /**
   * Makes the conversation exist (as the empty state) if it does not yet; 'erased' when it was erased (a
   * conversation's first delivery at an instance may read to find out; later ones cost nothing).
   */
  ensureConversation(conversation: ConversationId): Promise<'exists' | 'erased'>;
  /** Stores a message unless one with its id is already stored. */
  createMessage(message: MessageRecord): Promise<WriteResult>;
  createRecognitionResult(result: RecognitionResultRecord): Promise<WriteResult>;
  /**
   * Makes the participant exist unless it does (what a message says of it: its name and role); an instance that
   * has made sure of it once writes nothing again. Called beside createMessage for every message naming one.
   */
  ensureParticipant(participant: ParticipantRecord): Promise<void>;
  /** Merges what Dialogflow's participants.list says of a participant over what is stored (reconcile, backfill). */
  mergeListedParticipant(participant: ListedParticipantRecord): Promise<WriteResult>;
}

/** A delivery that cannot be stored, kept whole so that an operator can inspect and replay it. */
export interface QuarantineRecord {
  rejection: Rejection;
  facts: DeliveryFacts;
  /** Which function received it. */
  receivedBy: string;
  receivedAt: Date;
  /** The HTTP body exactly as received. */
  rawBody: Uint8Array;
}

export interface QuarantineStore {
  /** Keeps the record durably and returns its id; throws if it could not. */
  keep(record: QuarantineRecord): Promise<string>;
}

/**
 * Dialogflow's own Conversations API, in proto3 JSON (adapters: the official client, shared/dialogflow/).
 * Every method throws for a failure other than "not found"; `retryable` on the error says whether a later
 * attempt may succeed (quota, unavailable).
 */
export interface DialogflowConversations {
  /** `retryUntil` (epoch ms): retries that would wait past it are not begun (a run's budget ends there). */
  getConversation(name: string, options?: { retryUntil?: number }): Promise<{ found: true; conversation: Record<string, unknown> } | { found: false }>;
  /** Every conversation of `parent` (projects/<P>/locations/<L>), page after page. */
  listConversations(parent: string): AsyncIterable<Record<string, unknown>>;
  /** Every message of a conversation, page after page (Dialogflow lists them newest first). */
  listMessages(conversationName: string): AsyncIterable<Record<string, unknown>>;
  /** Every participant of a conversation, page after page (participants.list); `retryUntil` as for getConversation. */
  listParticipants(conversationName: string, options?: { retryUntil?: number }): AsyncIterable<Record<string, unknown>>;
}

/**
 * conversations.list one page at a time, so that a listing of millions can be held a page at a time and
 * resumed from its page token (Dialogflow's tokens are opaque; one names the rest of the listing).
 */
export interface DialogflowConversationPages {
  listConversationPage(parent: string, pageToken?: string): Promise<ConversationPage>;
}

export interface ConversationPage {
  conversations: Array<Record<string, unknown>>;
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** The conversations whose reconcile time (reconcile.ts) has come, earliest first. */
export interface ReconcileQueue {
  /** At most `limit` of them, due by `dueBy`. */
  listDue(parent: ConversationParent, dueBy: string, limit: number): Promise<DueConversation[]>;
  /** The earliest due time (sortable form) by `dueBy`, of those due at a time rather than at once; undefined: none. */
  earliestDueTime(parent: ConversationParent, dueBy: string): Promise<string | undefined>;
}

/** A due conversation and its due key (a sortable time, or '' for at once), which orders the queue. */
export interface DueConversation {
  id: ConversationId;
  dueKey: string;
}

/** What erasure needs of the store (erasure.ts states the invariants it keeps). */
export interface ErasureStore {
  /**
   * Replaces the conversation with its tombstone (name, erasure time, expiry), registers the erasure for the
   * sweep, then deletes every message, recognition result, participant and quarantined delivery of it within the store's time
   * budget (`complete: false` when it ran out: the sweep deletes the rest). Returns what was deleted.
   */
  erase(conversation: ConversationId, erasedAt: Date, tombstoneExpiresAt: Date): Promise<{ alreadyErased: boolean; documentsDeleted: number; complete: boolean }>;
  /**
   * Deletes what late deliveries wrote under the erasures still in their late-write window (erasure.ts), and what
   * an erasure cut short left; within the store's time budget (`complete: false`: the next run goes on).
   */
  sweep(now: Date): Promise<{ tombstones: number; documentsDeleted: number; complete: boolean }>;
}
