import { createHash } from 'node:crypto';

/** A Pub/Sub message as recorded: the event plus what Pub/Sub adds to it. */
export interface RecordedMessage {
  publishTime: string;
  event: Record<string, unknown>;
  attributes?: Record<string, string>;
  messageId?: string;
}

export const LOCAL_SUBSCRIPTIONS = {
  ingestLifecycleEvents: 'projects/demo-project/subscriptions/conversation-lifecycle-events-push',
  ingestMessageEvents: 'projects/demo-project/subscriptions/conversation-message-events-push',
  ingestRecognitionResults: 'projects/demo-project/subscriptions/conversation-recognition-results-push',
} as const;
export type IngestTarget = keyof typeof LOCAL_SUBSCRIPTIONS;

/** Which push endpoint Dialogflow's notification configs would route the event to. */
export function targetFor(event: Record<string, unknown>): IngestTarget {
  const type = event['type'];
  if (type === 'NEW_MESSAGE' || type === 5) return 'ingestMessageEvents';
  if (type === 'NEW_RECOGNITION_RESULT' || type === 7) return 'ingestRecognitionResults';
  return 'ingestLifecycleEvents';
}

/** The body Pub/Sub would POST for this message (wrapped push, JSON message format). */
export function toPushBody(message: RecordedMessage, target: IngestTarget = targetFor(message.event), deliveryAttempt = 1) {
  const data = Buffer.from(JSON.stringify(message.event)).toString('base64');
  const messageId = message.messageId ?? deterministicMessageId(data, message.publishTime);
  return {
    message: {
      data,
      ...(message.attributes ? { attributes: message.attributes } : {}),
      messageId,
      message_id: messageId,
      publishTime: message.publishTime,
      publish_time: message.publishTime,
    },
    subscription: LOCAL_SUBSCRIPTIONS[target],
    deliveryAttempt,
  };
}

/** Replaying the same file twice sends the same message ids, as a Pub/Sub redelivery would. */
function deterministicMessageId(data: string, publishTime: string): string {
  const digest = createHash('sha256').update(publishTime).update(data).digest();
  return digest.readBigUInt64BE(0).toString().slice(0, 16);
}
