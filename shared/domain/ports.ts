import type { ConversationState } from './conversationState';
import type { DeliveryFacts, Rejection, WriteResult } from './outcomes';
import type { MessageRecord, RecognitionResultRecord } from './records';
import type { ConversationId } from './resourceNames';

/**
 * Where conversations and their messages are kept. Implementations throw
 * only for failures (store unreachable, deadline exceeded); "already there"
 * is the value 'duplicate'.
 */
export interface ConversationStore {
  /**
   * Reads the conversation, merges `event` into it and writes the result
   * atomically; writes nothing when the merge changes nothing.
   */
  updateConversation(
    conversation: ConversationId,
    merge: (current: ConversationState | undefined) => ConversationState,
  ): Promise<WriteResult>;
  /** Makes the conversation exist (as the empty state) if it does not yet. */
  ensureConversation(conversation: ConversationId): Promise<void>;
  /** Stores a message unless one with its id is already stored. */
  createMessage(message: MessageRecord): Promise<WriteResult>;
  createRecognitionResult(result: RecognitionResultRecord): Promise<WriteResult>;
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
