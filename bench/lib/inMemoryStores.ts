import { emptyConversationState, sameConversationState, type ConversationState } from '../../shared/domain/conversationState';
import type { WriteResult } from '../../shared/domain/outcomes';
import type { ConversationStore, QuarantineStore } from '../../shared/domain/ports';

/**
 * The store ports kept in memory: what the handler-overhead benchmark puts
 * behind the real handler, so that it measures our code and the framework,
 * not Firestore.
 */
export function createInMemoryConversationStore(): ConversationStore {
  const conversations = new Map<string, ConversationState>();
  const messages = new Set<string>();
  const recognitionResults = new Set<string>();
  const participants = new Set<string>();
  const createOnce = (set: Set<string>, key: string): WriteResult => {
    if (set.has(key)) return 'duplicate';
    set.add(key);
    return 'stored';
  };
  return {
    async updateConversation(conversation, merge) {
      const current = conversations.get(conversation.name);
      const next = merge(current);
      if (current && sameConversationState(current, next)) return 'duplicate';
      conversations.set(conversation.name, next);
      return 'stored';
    },
    async ensureConversation(conversation) {
      if (!conversations.has(conversation.name)) conversations.set(conversation.name, emptyConversationState(conversation));
      return 'exists';
    },
    async createMessage(message) {
      return createOnce(messages, `${message.conversation.name}/${message.messageId}`);
    },
    async createRecognitionResult(result) {
      return createOnce(recognitionResults, `${result.conversation.name}/${result.pubsubMessageId}`);
    },
    async ensureParticipant(participant) {
      createOnce(participants, `${participant.conversation.name}/${participant.participantId}`);
    },
    async mergeListedParticipant(participant) {
      return createOnce(participants, `${participant.conversation.name}/${participant.participantId}/listed`);
    },
  };
}

export function createInMemoryQuarantineStore(): QuarantineStore {
  let count = 0;
  return {
    async keep() {
      count += 1;
      return `q${count}`;
    },
  };
}
