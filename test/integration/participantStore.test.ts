import { Timestamp } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { emptyConversationState, mergeLifecycleEvent } from '../../shared/domain/conversationState';
import { toListedParticipantRecord } from '../../shared/domain/dialogflowResources';
import { parseConversationName, type ConversationId } from '../../shared/domain/resourceNames';
import { createFirestoreConversationStore, toConversationDocument } from '../../shared/firestore/conversationStore';
import { createFirestoreErasureStore } from '../../shared/firestore/erasureStore';
import { uniqueProject } from '../support/builders';
import { baseUrl, testFirestore } from '../support/stack';

/**
 * The participant documents as the store writes them, through the real client against the emulator: what a
 * message creates and what Dialogflow's listing merges, in either order, and what an erasure leaves.
 */

const RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
const store = () => createFirestoreConversationStore(testFirestore(), { deadlineMs: 10_000, retentionDays: RETENTION_DAYS });
const participantDoc = async (conversation: ConversationId, id: string) => (await testFirestore().doc(`${conversation.name}/participants/${id}`).get()).data();
const expiresAt = (data: Record<string, unknown> | undefined) => (data?.['expireAt'] as Timestamp | undefined)?.toDate().toISOString();

/** A stored conversation started at `start` (no end known yet), as the lifecycle function writes it. */
async function storedConversation(start: string): Promise<ConversationId> {
  const conversation = parseConversationName(`projects/${uniqueProject()}/locations/global/conversations/Cp`)!;
  const state = mergeLifecycleEvent(emptyConversationState(conversation), conversation, { type: 'CONVERSATION_STARTED', publishTime: `${start.slice(0, 19)}.000000000Z`, pubsubMessageId: '1' });
  await testFirestore().doc(conversation.name).set(toConversationDocument(state, RETENTION_DAYS));
  return conversation;
}

const listed = (conversation: ConversationId, participant: Record<string, unknown>, anchor?: string) => {
  const record = toListedParticipantRecord(conversation, { name: `${conversation.name}/participants/agent`, ...participant }, anchor);
  if (!record.ok) throw new Error(record.problem);
  return record.value;
};

describe('participant documents', () => {
  it("never moves a participant's expiry earlier: a listing read while the conversation ran, anchored at its start, then its final one", async () => {
    const conversation = await storedConversation('2026-11-01T00:00:00Z');
    // Its first message twenty hours in: it expires a day after that message would.
    await store().ensureParticipant({ conversation, participantId: 'agent', role: 'HUMAN_AGENT', firstMessageTime: '2026-11-01T20:00:00.000000000Z' });
    const fromMessage = expiresAt(await participantDoc(conversation, 'agent'));
    expect(fromMessage).toBe(new Date(Date.parse('2026-11-01T20:00:00Z') + (RETENTION_DAYS + 1) * DAY_MS).toISOString());
    // Backfill while it was in progress: anchored at the start, which is earlier; the expiry stays.
    expect(await store().mergeListedParticipant(listed(conversation, { role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'a' }, '2026-11-01T00:00:00.000000000Z'))).toBe('stored');
    expect(expiresAt(await participantDoc(conversation, 'agent'))).toBe(fromMessage);
    // Reconcile at completion, the same Participant, anchored at the end two days later: a later expiry, written.
    expect(await store().mergeListedParticipant(listed(conversation, { role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'a' }, '2026-11-03T00:00:00.000000000Z'))).toBe('stored');
    expect(expiresAt(await participantDoc(conversation, 'agent'))).toBe(new Date(Date.parse('2026-11-03T00:00:00Z') + (RETENTION_DAYS + 1) * DAY_MS).toISOString());
    // And again: nothing changes, nothing is written.
    expect(await store().mergeListedParticipant(listed(conversation, { role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'a' }, '2026-11-03T00:00:00.000000000Z'))).toBe('duplicate');
  });

  it('ends in the same participant whichever came first, the message or a listing, once the final listing is merged', async () => {
    const results = [];
    for (const order of [['message', 'listing'], ['listing', 'message']] as const) {
      const conversation = await storedConversation('2026-11-01T00:00:00Z');
      for (const step of order) {
        if (step === 'message') await store().ensureParticipant({ conversation, participantId: 'agent', role: 'HUMAN_AGENT', firstMessageTime: '2026-11-01T00:05:00.000000000Z' });
        // Backfill, while the conversation is in progress: anchored at its start.
        else await store().mergeListedParticipant(listed(conversation, { role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'a' }, '2026-11-01T00:00:00.000000000Z'));
      }
      // Reconcile, at Dialogflow's final word: anchored at the end.
      await store().mergeListedParticipant(listed(conversation, { role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'a' }, '2026-11-01T00:30:00.000000000Z'));
      // What only the first message sets (when it came first) is its time, which nothing serves.
      const { firstMessageTime: _first, conversation: _name, dialogflowJson, ...stored } = (await participantDoc(conversation, 'agent'))!;
      const { name: _participantName, ...read } = JSON.parse(dialogflowJson as string) as Record<string, unknown>;
      results.push({ ...stored, read, expireAt: expiresAt(stored) });
    }
    expect(results[1]).toEqual(results[0]);
    // A day past the conversation's end's expiry: later than any of its messages'.
    expect(results[0]).toMatchObject({ participantId: 'agent', role: 'HUMAN_AGENT', read: { role: 'HUMAN_AGENT', sipRecordingMediaLabel: 'a' }, expireAt: new Date(Date.parse('2026-11-01T00:30:00Z') + (RETENTION_DAYS + 1) * DAY_MS).toISOString() });
  });

  it("keeps the role its messages gave when a listing gives none, and writes nothing for a listing that says nothing new", async () => {
    const conversation = await storedConversation('2026-11-01T00:00:00Z');
    await store().ensureParticipant({ conversation, participantId: 'agent', role: 'HUMAN_AGENT', firstMessageTime: '2026-11-01T00:05:00.000000000Z' });
    expect(await store().mergeListedParticipant(listed(conversation, { sipRecordingMediaLabel: 'a' }, '2026-11-01T00:30:00.000000000Z'))).toBe('stored');
    expect(await participantDoc(conversation, 'agent')).toMatchObject({ role: 'HUMAN_AGENT' });
    expect(await store().mergeListedParticipant(listed(conversation, { sipRecordingMediaLabel: 'a' }, '2026-11-01T00:30:00.000000000Z'))).toBe('duplicate');
  });

  it('writes nothing under an erased conversation, nor under one never stored', async () => {
    const erased = await storedConversation('2026-11-01T00:00:00Z');
    await createFirestoreErasureStore(testFirestore(), { deadlineMs: 10_000 }).erase(erased, new Date(), new Date(Date.now() + 35 * DAY_MS));
    expect(await store().mergeListedParticipant(listed(erased, { role: 'HUMAN_AGENT' }))).toBe('erased');
    const never = parseConversationName(`projects/${uniqueProject()}/locations/global/conversations/Never`)!;
    expect(await store().mergeListedParticipant(listed(never, { role: 'HUMAN_AGENT' }))).toBe('erased');
    expect(await participantDoc(erased, 'agent')).toBeUndefined();
    expect(await participantDoc(never, 'agent')).toBeUndefined();
  });
});

describe('participants.list pages', () => {
  it('end early under the page byte bound when the participants Dialogflow listed are large, every one served once', async () => {
    const conversation = await storedConversation('2026-11-01T00:00:00Z');
    // Twelve Participants of about 900 KB each (documentsMetadataFilters can be that large): 10.8 MB in all.
    for (let i = 0; i < 12; i++) {
      await store().mergeListedParticipant({
        ...listed(conversation, { role: 'END_USER', documentsMetadataFilters: { filler: 'x'.repeat(900_000) } }, '2026-11-01T00:30:00.000000000Z'),
        participantId: `p${String(i).padStart(2, '0')}`,
      });
    }
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    do {
      const response = await fetch(`${baseUrl()}/v2/${conversation.name}/participants?pageSize=100&fields=participants/name,nextPageToken${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
      const page = (await response.json()) as { participants: Array<{ name: string }>; nextPageToken?: string };
      pageSizes.push(page.participants.length);
      seen.push(...page.participants.map((p) => p.name.split('/').pop()!));
      token = page.nextPageToken;
    } while (token);
    // MAX_PAGE_BYTES (8 MiB) holds nine of them: a page stops there with its token.
    expect(pageSizes).toEqual([9, 3]);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, '0')}`));
  }, 60_000);
});
