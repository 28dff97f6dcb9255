import * as z from 'zod/mini';
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
    attributes: z.optional(z.record(z.string(), z.string())),
    messageId: z.string().check(z.regex(SAFE_ID, 'must be a Pub/Sub message id (letters, digits, . _ : ~ -)')),
    publishTime: z.string().check(z.maxLength(64)),
    orderingKey: z.optional(z.string()),
  }),
  subscription: z.string().check(z.minLength(1), z.maxLength(512)),
  deliveryAttempt: z.optional(z.int().check(z.minimum(0))),
});
export type PushEnvelope = z.infer<typeof PushEnvelopeSchema>;
