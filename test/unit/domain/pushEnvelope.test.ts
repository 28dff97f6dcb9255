import { describe, expect, it } from 'vitest';
import { PushEnvelopeSchema } from '../../../shared/domain/pushEnvelope';

const SUBSCRIPTION = 'projects/p/subscriptions/s';
const message = (fields: Record<string, unknown>) => ({ data: 'e30=', messageId: '123', publishTime: '2026-01-01T00:00:00Z', ...fields });

describe('PushEnvelopeSchema', () => {
  const accepted = [
    { name: 'accepts the camelCase spellings Pub/Sub writes', input: { message: message({}), subscription: SUBSCRIPTION }, expectedId: '123' },
    {
      name: 'accepts message_id and publish_time alone',
      input: { message: { data: 'e30=', message_id: '456', publish_time: '2026-01-01T00:00:00Z' }, subscription: SUBSCRIPTION },
      expectedId: '456',
    },
    { name: 'accepts both spellings with the same values', input: { message: message({ message_id: '123', publish_time: '2026-01-01T00:00:00Z' }), subscription: SUBSCRIPTION }, expectedId: '123' },
    { name: 'accepts a delivery attempt of 0', input: { message: message({}), subscription: SUBSCRIPTION, deliveryAttempt: 0 }, expectedId: '123' },
  ];
  it.each(accepted)('$name', ({ input, expectedId }) => {
    const parsed = PushEnvelopeSchema.safeParse(input);
    expect(parsed.success && parsed.data.message.messageId).toBe(expectedId);
  });

  const refused = [
    { name: 'refuses a message id with a path trick', input: { message: message({ messageId: '../x' }), subscription: SUBSCRIPTION } },
    { name: 'refuses message_id differing from messageId', input: { message: message({ message_id: '999' }), subscription: SUBSCRIPTION } },
    { name: 'refuses attributes that are not strings', input: { message: message({ attributes: { a: 1 } }), subscription: SUBSCRIPTION } },
    { name: 'refuses an empty subscription', input: { message: message({}), subscription: '' } },
    { name: 'refuses a fractional delivery attempt', input: { message: message({}), subscription: SUBSCRIPTION, deliveryAttempt: 1.5 } },
    { name: 'refuses a publish time longer than 64 characters', input: { message: message({ publishTime: '2'.repeat(65) }), subscription: SUBSCRIPTION } },
  ];
  it.each(refused)('$name', ({ input }) => {
    expect(PushEnvelopeSchema.safeParse(input).success).toBe(false);
  });
});
