import * as z from 'zod/mini';
import { PARTICIPANT_ROLE_NUMBERS, normalizeEnum } from './enums';
import { jsonObject, protoEnum, protoObject } from './protoJson';

/**
 * A Dialogflow `Message` (the payload of NEW_MESSAGE). Only the fields we
 * index are typed; everything else, including fields added to the API after
 * this was written, is kept as received.
 */
export const MessageSchema = protoObject({
  name: z.string({ error: 'is required: a message without a name cannot be stored' }).check(z.maxLength(1024)),
  content: z.optional(z.string()),
  languageCode: z.optional(z.string()),
  participant: z.optional(z.string()),
  participantRole: z.optional(z.pipe(protoEnum, z.transform((role: string | number) => normalizeEnum(PARTICIPANT_ROLE_NUMBERS, role)))),
  createTime: z.optional(z.string().check(z.maxLength(64))),
  sendTime: z.optional(z.string().check(z.maxLength(64))),
  messageAnnotation: z.optional(
    protoObject({
      parts: z.optional(z.array(protoObject({ text: z.optional(z.string()), entityType: z.optional(z.string()) }))),
      containEntities: z.optional(z.boolean()),
    }),
  ),
  sentimentAnalysis: z.optional(
    protoObject({
      queryTextSentiment: z.optional(protoObject({ score: z.optional(z.number()), magnitude: z.optional(z.number()) })),
    }),
  ),
});
export type Message = z.infer<typeof MessageSchema>;

/** google.rpc.Status, as carried by UNRECOVERABLE_ERROR. */
export const StatusSchema = protoObject({
  code: z.optional(z.int()),
  message: z.optional(z.string()),
  details: z.optional(z.array(jsonObject)),
});
export type Status = z.infer<typeof StatusSchema>;
