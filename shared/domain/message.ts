import * as z from 'zod';
import { PARTICIPANT_ROLE_NUMBERS, normalizeEnum } from './enums';
import { jsonObject, protoEnum, protoObject } from './protoJson';

/**
 * A Dialogflow `Message` (the payload of NEW_MESSAGE). Only the fields we
 * index are typed; everything else, including fields added to the API after
 * this was written, is kept as received.
 */
export const MessageSchema = protoObject({
  name: z.string({ error: 'is required: a message without a name cannot be stored' }).max(1024),
  content: z.string().optional(),
  languageCode: z.string().optional(),
  participant: z.string().optional(),
  participantRole: protoEnum.transform((role) => normalizeEnum(PARTICIPANT_ROLE_NUMBERS, role)).optional(),
  createTime: z.string().max(64).optional(),
  sendTime: z.string().max(64).optional(),
  messageAnnotation: protoObject({
    parts: z.array(protoObject({ text: z.string().optional(), entityType: z.string().optional() })).optional(),
    containEntities: z.boolean().optional(),
  }).optional(),
  sentimentAnalysis: protoObject({
    queryTextSentiment: protoObject({ score: z.number().optional(), magnitude: z.number().optional() }).optional(),
  }).optional(),
});
export type Message = z.infer<typeof MessageSchema>;

/** google.rpc.Status, as carried by UNRECOVERABLE_ERROR. */
export const StatusSchema = protoObject({
  code: z.number().int().optional(),
  message: z.string().optional(),
  details: z.array(jsonObject).optional(),
});
export type Status = z.infer<typeof StatusSchema>;
