import type { DocumentData } from '@google-cloud/firestore';
import { testFirestore } from './stack';

export async function readConversation(name: string): Promise<DocumentData | undefined> {
  return (await testFirestore().doc(name).get()).data();
}

export async function readMessages(conversationName: string): Promise<Record<string, DocumentData>> {
  const snapshot = await testFirestore().doc(conversationName).collection('messages').get();
  return Object.fromEntries(snapshot.docs.map((doc) => [doc.id, doc.data()]));
}

export async function readRecognitionResults(conversationName: string): Promise<Record<string, DocumentData>> {
  const snapshot = await testFirestore().doc(conversationName).collection('recognitionResults').get();
  return Object.fromEntries(snapshot.docs.map((doc) => [doc.id, doc.data()]));
}

export async function readQuarantine(id: string): Promise<DocumentData | undefined> {
  return (await testFirestore().collection('quarantine').doc(id).get()).data();
}

/**
 * Everything stored for a conversation, with its id replaced by a
 * placeholder, so two conversations fed the same events compare equal.
 */
export async function snapshotConversation(conversationName: string, conversationId: string) {
  const [conversation, messages, recognitionResults] = await Promise.all([
    readConversation(conversationName),
    readMessages(conversationName),
    readRecognitionResults(conversationName),
  ]);
  return JSON.parse(JSON.stringify({ conversation, messages, recognitionResults }).replaceAll(conversationId, '<conversation>'));
}
