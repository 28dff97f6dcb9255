import type { DocumentData, Firestore } from '@google-cloud/firestore';
import {
  ConversationStateSchema,
  conversationSortKeys,
  emptyConversationState,
  sameConversationState,
  type ConversationState,
} from '../domain/conversationState';
import type { WriteResult } from '../domain/outcomes';
import type { ConversationStore } from '../domain/ports';
import type { MessageRecord, RecognitionResultRecord } from '../domain/records';
import { createBoundedSet } from './boundedSet';
import { ALREADY_EXISTS, grpcCode, withDeadline } from './deadline';
import { createKeyedMutex } from './keyedMutex';
import { RECOGNITION_RESULTS, conversationDocument, messagesCollection } from './paths';

export interface FirestoreStoreOptions {
  deadlineMs: number;
  /** Conversations this instance has made sure exist; each costs a create at most once per instance. */
  knownConversationsCapacity?: number;
}

/** Bumped when the stored shape changes incompatibly. */
export const SCHEMA_VERSION = 1;

/** The state, plus the sort keys the history API pages on (derived, so still a function of the events). */
export function toConversationDocument(state: ConversationState): DocumentData {
  return { ...state, ...conversationSortKeys(state), schemaVersion: SCHEMA_VERSION };
}

export function fromConversationDocument(data: DocumentData): ConversationState {
  const parsed = ConversationStateSchema.safeParse(data);
  if (!parsed.success) throw new Error(`Stored conversation ${String(data['name'])} does not match the schema: ${parsed.error.message.slice(0, 300)}`);
  return parsed.data;
}

export function toMessageDocument(message: MessageRecord): DocumentData {
  const { conversation, ...fields } = message;
  return { ...fields, conversation: conversation.name, schemaVersion: SCHEMA_VERSION };
}

export function createFirestoreConversationStore(db: Firestore, options: FirestoreStoreOptions): ConversationStore {
  const { deadlineMs } = options;
  const knownConversations = createBoundedSet(options.knownConversationsCapacity ?? 10_000);
  const runExclusive = createKeyedMutex();

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
          const current = snapshot.exists ? fromConversationDocument(snapshot.data()!) : undefined;
          const next = merge(current);
          if (current && sameConversationState(current, next)) return 'duplicate';
          tx.set(ref, toConversationDocument(next));
          return 'stored';
        });
      // The inner deadline frees the queue if the store hangs; the outer one bounds the wait in it.
      const result = await withDeadline('conversation update (queued)', deadlineMs, () =>
        runExclusive(conversation.name, () => withDeadline('conversation update', deadlineMs, transaction)),
      );
      knownConversations.add(conversation.name);
      return result;
    },

    async ensureConversation(conversation) {
      if (knownConversations.has(conversation.name)) return;
      const ref = conversationDocument(db, conversation);
      await createUnlessExists('conversation create', () => ref.create(toConversationDocument(emptyConversationState(conversation))));
      knownConversations.add(conversation.name);
    },

    async createMessage(message) {
      const ref = messagesCollection(db, message.conversation).doc(message.messageId);
      return createUnlessExists('message create', () => ref.create(toMessageDocument(message)));
    },

    async createRecognitionResult(result: RecognitionResultRecord) {
      const { conversation, ...fields } = result;
      const ref = conversationDocument(db, conversation).collection(RECOGNITION_RESULTS).doc(result.pubsubMessageId);
      return createUnlessExists('recognition result create', () =>
        ref.create({ ...fields, conversation: conversation.name, schemaVersion: SCHEMA_VERSION }),
      );
    },
  };
}
