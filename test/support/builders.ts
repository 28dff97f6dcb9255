import { randomUUID } from 'node:crypto';
import { toPushBody, type IngestTarget } from '../../shared/pubsub/pushDelivery';

export const PROJECT = 'demo-project';

/** A conversation name no other test uses. */
export function uniqueConversation(location = 'global'): { id: string; name: string; shortName: string } {
  const id = `Cv${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  return {
    id,
    name: `projects/${PROJECT}/locations/${location}/conversations/${id}`,
    shortName: `projects/${PROJECT}/conversations/${id}`,
  };
}

let sequence = 0;
/** A Pub/Sub-looking message id, unique within the run. */
export function nextMessageId(): string {
  sequence += 1;
  return `${Date.now()}${String(sequence).padStart(6, '0')}`;
}

export function lifecycleEvent(conversation: string, type: string | number, extra: Record<string, unknown> = {}) {
  return { conversation, type, ...extra };
}

export function messageEvent(conversation: string, messageId: string, fields: Record<string, unknown> = {}) {
  return {
    conversation,
    type: 'NEW_MESSAGE',
    newMessagePayload: {
      name: `${conversation}/messages/${messageId}`,
      content: `text of ${messageId}`,
      languageCode: 'en-US',
      participant: `${conversation}/participants/P1`,
      participantRole: 'END_USER',
      createTime: '2026-11-02T14:03:02.455120Z',
      ...fields,
    },
  };
}

export interface PushOptions {
  publishTime?: string;
  messageId?: string;
  target?: IngestTarget;
  deliveryAttempt?: number;
  attributes?: Record<string, string>;
}

/** The push body Pub/Sub would POST for `event`. */
export function makePushBody(event: Record<string, unknown>, options: PushOptions = {}) {
  return toPushBody(
    {
      event,
      publishTime: options.publishTime ?? '2026-11-02T14:03:00.120Z',
      messageId: options.messageId ?? nextMessageId(),
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    options.target,
    options.deliveryAttempt ?? 1,
  );
}

/** A push body whose `message.data` is the given bytes or text, for malformed cases. */
export function makeRawPushBody(data: string, overrides: Record<string, unknown> = {}) {
  const messageId = nextMessageId();
  return {
    message: { data, messageId, publishTime: '2026-11-02T14:03:00.120Z', ...overrides },
    subscription: 'projects/demo-project/subscriptions/test-push',
  };
}

export const base64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64');

/** A project id no other test uses, so that listing a parent sees only this test's conversations. */
export function uniqueProject(): string {
  return `hist-${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}
