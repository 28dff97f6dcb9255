import { describe, expect, it } from 'vitest';
import { decodeDelivery } from '../../../shared/domain/decodeDelivery';
import { base64, lifecycleEvent, messageEvent } from '../../support/builders';

/**
 * Dialogflow documents the event's `conversation` as projects/<P>/conversations/<C>, so a regional
 * conversation's event may omit the location its message's own name carries.
 */

const SHORT = 'projects/demo-project/conversations/C1';
const REGIONAL = 'projects/demo-project/locations/europe-west3/conversations/C1';
const push = (event: unknown) => ({
  message: { data: base64(JSON.stringify(event)), messageId: '1', publishTime: '2026-11-02T14:03:00Z' },
  subscription: 'projects/demo-project/subscriptions/s',
});
const regionalMessage = (conversation: string, messageName: string) => messageEvent(conversation, 'M1', { name: messageName });

describe('where a conversation is', () => {
  it("takes the location from the message's own name when the event omits it", () => {
    const decoded = decodeDelivery(push(regionalMessage(SHORT, `${REGIONAL}/messages/M1`)));
    expect(decoded).toMatchObject({ ok: true, event: { kind: 'message', conversation: { name: REGIONAL, location: 'europe-west3' } }, facts: { conversation: REGIONAL } });
  });

  it('takes names without a location to be in DIALOGFLOW_LOCATION', () => {
    expect(decodeDelivery(push(lifecycleEvent(SHORT, 'CONVERSATION_STARTED')), { defaultLocation: 'europe-west3' })).toMatchObject({ ok: true, event: { conversation: { name: REGIONAL } } });
    expect(decodeDelivery(push(regionalMessage(SHORT, `${SHORT}/messages/M1`)), { defaultLocation: 'europe-west3' })).toMatchObject({ ok: true, event: { conversation: { name: REGIONAL } } });
    expect(decodeDelivery(push(lifecycleEvent(SHORT, 'CONVERSATION_STARTED')))).toMatchObject({ ok: true, event: { conversation: { name: 'projects/demo-project/locations/global/conversations/C1' } } });
  });

  it.each([
    ['another conversation id', `projects/demo-project/locations/europe-west3/conversations/C2/messages/M1`, SHORT],
    ['another project', `projects/other-project/locations/europe-west3/conversations/C1/messages/M1`, SHORT],
    ['another location than the one the event names', `${REGIONAL}/messages/M1`, 'projects/demo-project/locations/us-central1/conversations/C1'],
  ])('keeps a message naming %s quarantined', (_, messageName, eventConversation) => {
    expect(decodeDelivery(push(regionalMessage(eventConversation, messageName)))).toMatchObject({ ok: false, rejection: { code: 'message_of_other_conversation' } });
  });
});
