import type { Firestore } from '@google-cloud/firestore';
import { sameConversationState } from '../domain/conversationState';
import type { ConversationStore } from '../domain/ports';
import { fromConversationDocument, isTombstone } from './conversationStore';
import { withDeadline } from './deadline';
import { conversationDocument, messagesCollection } from './paths';

/**
 * A ConversationStore that reads what is stored and answers what a write would have done, writing nothing:
 * `npm run backfill -- --dry-run` reports new, updated and unchanged from it.
 */
export function createDryRunConversationStore(db: Firestore, options: { deadlineMs: number }): ConversationStore {
  const { deadlineMs } = options;
  return {
    async updateConversation(conversation, merge) {
      const snapshot = await withDeadline('conversation read', deadlineMs, () => conversationDocument(db, conversation).get());
      if (isTombstone(snapshot.data())) return 'erased';
      const current = snapshot.exists ? fromConversationDocument(snapshot.data()!) : undefined;
      const next = merge(current);
      return current && sameConversationState(current, next) ? 'duplicate' : 'stored';
    },
    async ensureConversation() {
      return 'exists';
    },
    async createMessage(message) {
      const snapshot = await withDeadline('message read', deadlineMs, () => messagesCollection(db, message.conversation).doc(message.messageId).get());
      return snapshot.exists ? 'duplicate' : 'stored';
    },
    async createRecognitionResult() {
      return 'duplicate';
    },
    async ensureParticipant() {},
    async mergeListedParticipant() {
      return 'duplicate';
    },
  };
}
