/**
 * What can become of one delivery. Expected outcomes are values; only an
 * unexpected or transient failure is thrown (and answered non-2xx so that
 * Pub/Sub delivers again).
 */

export type RejectionCode =
  | 'not_a_push_envelope'
  | 'data_not_base64'
  | 'data_not_utf8'
  | 'data_not_json'
  | 'unsafe_json'
  | 'not_a_conversation_event'
  | 'invalid_conversation_name'
  | 'invalid_message'
  | 'message_of_other_conversation'
  | 'invalid_timestamp'
  | 'too_large';

export interface Rejection {
  code: RejectionCode;
  /** A sentence saying exactly what was wrong. Never quotes conversation text. */
  reason: string;
}

export type EventKind = 'message' | 'lifecycle' | 'recognition_result';

/** What we learned of a delivery before (or without) deciding its fate; all of it safe to log. */
export interface DeliveryFacts {
  pubsubMessageId?: string;
  subscription?: string;
  deliveryAttempt?: number;
  publishTime?: string;
  eventType?: string | number;
  eventKind?: EventKind;
  conversation?: string;
  messageId?: string;
  dataBytes?: number;
}

export type IngestOutcome =
  | { outcome: 'stored'; facts: DeliveryFacts }
  | { outcome: 'duplicate'; facts: DeliveryFacts }
  /** The conversation was erased: nothing of the delivery is kept (erasure.ts). */
  | { outcome: 'erased'; facts: DeliveryFacts }
  | { outcome: 'rejected'; facts: DeliveryFacts; rejection: Rejection; quarantineId: string };

/** 'erased': the conversation was erased, and nothing was written (erasure.ts). */
export type WriteResult = 'stored' | 'duplicate' | 'erased';
