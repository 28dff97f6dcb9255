import type { Firestore } from '@google-cloud/firestore';
import type { ConversationId, ConversationParent } from '../domain/resourceNames';

/**
 * Firestore paths mirror Dialogflow resource names, so a resource name is
 * its own document path:
 *   projects/{p}/locations/{l}/conversations/{c}
 *   projects/{p}/locations/{l}/conversations/{c}/messages/{m}
 *   projects/{p}/locations/{l}/conversations/{c}/recognitionResults/{pubsubMessageId}
 *   projects/{p}/locations/{l}/conversations/{c}/participants/{participantId}
 *   quarantine/{id}
 * Every segment was checked against SAFE_ID when the name was parsed.
 */
export const MESSAGES = 'messages';
export const RECOGNITION_RESULTS = 'recognitionResults';
export const QUARANTINE = 'quarantine';
export const PARTICIPANTS = 'participants';

export function conversationsCollection(db: Firestore, parent: ConversationParent) {
  return db.collection(`projects/${parent.project}/locations/${parent.location}/conversations`);
}

export function conversationDocument(db: Firestore, conversation: ConversationId) {
  return db.doc(conversation.name);
}

export function messagesCollection(db: Firestore, conversation: ConversationId) {
  return conversationDocument(db, conversation).collection(MESSAGES);
}

export function participantsCollection(db: Firestore, conversation: ConversationId) {
  return conversationDocument(db, conversation).collection(PARTICIPANTS);
}
