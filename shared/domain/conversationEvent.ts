import * as z from 'zod';
import { EVENT_TYPE_NUMBERS, normalizeEnum } from './enums';
import { MessageSchema, StatusSchema } from './message';
import { jsonObject, protoEnum, protoObject } from './protoJson';

/**
 * The ConversationEvent Dialogflow publishes with `message_format: JSON`.
 * See ../shared/reference/conversation-event-rest.txt.
 */
export const ConversationEventSchema = protoObject({
  conversation: z.string({ error: 'is required: the event names no conversation' }).min(1).max(1024),
  type: protoEnum.transform((type) => normalizeEnum(EVENT_TYPE_NUMBERS, type)),
  errorStatus: StatusSchema.optional(),
  newMessagePayload: MessageSchema.optional(),
  // Recognition results are kept verbatim; nothing reads inside them.
  newRecognitionResultPayload: jsonObject.optional(),
});
export type ConversationEvent = z.infer<typeof ConversationEventSchema>;

const KNOWN_EVENT_KEYS = new Set(['conversation', 'type', 'errorStatus', 'newMessagePayload', 'newRecognitionResultPayload']);

/** Top-level fields of an event that this version does not model, kept as received. */
export function unknownEventFields(event: ConversationEvent): Record<string, unknown> {
  return Object.fromEntries(Object.entries(event).filter(([key]) => !KNOWN_EVENT_KEYS.has(key)));
}
