import * as z from 'zod/mini';
import { EVENT_TYPE_NUMBERS, normalizeEnum } from './enums';
import { MessageSchema, StatusSchema } from './message';
import { jsonObject, protoEnum, protoObject } from './protoJson';

/**
 * The ConversationEvent Dialogflow publishes with `message_format: JSON`.
 * See ../shared/reference/conversation-event-rest.txt.
 */
export const ConversationEventSchema = protoObject({
  conversation: z.string({ error: 'is required: the event names no conversation' }).check(z.minLength(1), z.maxLength(1024)),
  type: z.pipe(protoEnum, z.transform((type: string | number) => normalizeEnum(EVENT_TYPE_NUMBERS, type))),
  errorStatus: z.optional(StatusSchema),
  newMessagePayload: z.optional(MessageSchema),
  // Recognition results are kept verbatim; nothing reads inside them.
  newRecognitionResultPayload: z.optional(jsonObject),
});
export type ConversationEvent = z.infer<typeof ConversationEventSchema>;

const KNOWN_EVENT_KEYS = new Set(['conversation', 'type', 'errorStatus', 'newMessagePayload', 'newRecognitionResultPayload']);

/** Top-level fields of an event that this version does not model, kept as received. */
export function unknownEventFields(event: ConversationEvent): Record<string, unknown> {
  return Object.fromEntries(Object.entries(event).filter(([key]) => !KNOWN_EVENT_KEYS.has(key)));
}
