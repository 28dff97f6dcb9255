import type { ConversationStore } from '../domain/ports';

/**
 * A ConversationStore that keeps nothing and reads nothing: every conversation is new, every message stored.
 * `npm run backfill -- --list-only` counts what Dialogflow holds with it (how long a real run will list, how
 * many messages), and the bench measures the backfill's own memory and rate with it, the store's taken away.
 */
export function createListOnlyStore(): ConversationStore {
  return {
    async updateConversation() {
      return 'stored';
    },
    async ensureConversation() {
      return 'exists';
    },
    async createMessage() {
      return 'stored';
    },
    async createRecognitionResult() {
      return 'stored';
    },
    async ensureParticipant() {},
    async mergeListedParticipant() {
      return 'stored';
    },
  };
}
