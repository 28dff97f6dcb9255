import * as z from 'zod';
import { protoObject } from './protoJson';
import { SAFE_ID } from './resourceNames';

/**
 * The body Pub/Sub POSTs to a push endpoint (wrapped, not unwrapped).
 * Pub/Sub writes `messageId` and `publishTime`; some clients and the
 * emulator also write the proto spellings `message_id` and `publish_time`.
 */
export const PushEnvelopeSchema = z.object({
  message: protoObject({
    data: z.string({ error: 'is required: the delivery carries no event' }),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().regex(SAFE_ID, 'must be a Pub/Sub message id (letters, digits, . _ : ~ -)'),
    publishTime: z.string().max(64),
    orderingKey: z.string().optional(),
  }),
  subscription: z.string().min(1).max(512),
  deliveryAttempt: z.number().int().min(0).optional(),
});
export type PushEnvelope = z.infer<typeof PushEnvelopeSchema>;
