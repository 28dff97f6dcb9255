import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConversationStateSchema,
  emptyConversationState,
  mergeConversationSnapshot,
  mergeLifecycleEvent,
  type ConversationSnapshot,
  type ConversationState,
  type LifecycleEventRecord,
} from '../../../shared/domain/conversationState';
import { toConversationSnapshot, toListedMessageRecord } from '../../../shared/domain/dialogflowResources';
import { formatProtoTimestamp, formatSortableTimestamp } from '../../../shared/domain/timestamps';

/**
 * The conversation as a merge of events and of snapshots read from Dialogflow's API: one precedence, and the
 * result a function of the set of inputs, whatever the order and the repeats.
 */

const id = { project: 'p', location: 'global', conversationId: 'c1', name: 'projects/p/locations/global/conversations/c1' };
const BASE = BigInt(Date.UTC(2026, 10, 2, 14) / 1000);
const at = (seconds: number) => formatSortableTimestamp((BASE + BigInt(seconds)) * 1_000_000_000n);
const protoAt = (seconds: number) => formatProtoTimestamp((BASE + BigInt(seconds)) * 1_000_000_000n);

type Input = { kind: 'event'; event: LifecycleEventRecord } | { kind: 'snapshot'; snapshot: ConversationSnapshot };

const event = (type: string, seconds: number, pubsubMessageId = `${type}-${seconds}`): Input => ({
  kind: 'event',
  event: { type, publishTime: at(seconds), pubsubMessageId },
});

/** A scheduled read at `readSeconds` (reconcile), or with null a listing (backfill), which times nothing. */
function read(readSeconds: number | null, conversation: Record<string, unknown>): Input {
  const result = toConversationSnapshot({ name: id.name, ...conversation }, readSeconds === null ? null : at(readSeconds), 'global');
  if (!result.ok) throw new Error(result.problem);
  return { kind: 'snapshot', snapshot: result.value.snapshot };
}
const gone = (readSeconds: number): Input => ({ kind: 'snapshot', snapshot: { found: false, readTime: at(readSeconds) } });

const apply = (state: ConversationState | undefined, input: Input) =>
  input.kind === 'event' ? mergeLifecycleEvent(state, id, input.event) : mergeConversationSnapshot(state, id, input.snapshot);
const fold = (inputs: Input[]) => inputs.reduce<ConversationState | undefined>(apply, undefined) ?? emptyConversationState(id);

describe('mergeConversationSnapshot: the precedence', () => {
  it("fills in what no event says: the profile, the phone number and Dialogflow's stage", () => {
    const state = fold([
      event('CONVERSATION_STARTED', 10),
      read(20, { lifecycleState: 'IN_PROGRESS', conversationProfile: 'projects/p/locations/global/conversationProfiles/cp', phoneNumber: { phoneNumber: '+15550100' }, conversationStage: 'VIRTUAL_AGENT_STAGE', startTime: protoAt(9) }),
    ]);
    expect(state).toMatchObject({
      conversationProfile: 'projects/p/locations/global/conversationProfiles/cp',
      phoneNumber: { phoneNumber: '+15550100' },
      conversationStage: 'VIRTUAL_AGENT_STAGE',
      lifecycleState: 'IN_PROGRESS',
    });
  });

  it("prefers Dialogflow's own times to publish times, and keeps the publish times beside them", () => {
    const state = fold([event('CONVERSATION_STARTED', 10), event('CONVERSATION_FINISHED', 100), read(200, { lifecycleState: 'COMPLETED', startTime: protoAt(8), endTime: protoAt(99) })]);
    expect(state).toMatchObject({ startTime: at(8), endTime: at(99), eventStartTime: at(10), eventEndTime: at(100), lifecycleState: 'COMPLETED' });
  });

  it('completes a conversation Dialogflow auto-completed after 24 hours, with its end time, though no event said so', () => {
    const state = fold([event('CONVERSATION_STARTED', 10), read(90_000, { lifecycleState: 'COMPLETED', startTime: protoAt(10), endTime: protoAt(86_410) })]);
    expect(state).toMatchObject({ lifecycleState: 'COMPLETED', endTime: at(86_410), eventEndTime: null });
  });

  it('keeps COMPLETED over a later read saying IN_PROGRESS, and a later stage over an earlier one', () => {
    const state = fold([
      read(10, { lifecycleState: 'COMPLETED', conversationStage: 'HUMAN_ASSIST_STAGE' }),
      read(20, { lifecycleState: 'IN_PROGRESS', conversationStage: 'VIRTUAL_AGENT_STAGE' }),
    ]);
    expect(state).toMatchObject({ lifecycleState: 'COMPLETED', conversationStage: 'HUMAN_ASSIST_STAGE' });
  });

  it("takes the human hand-off from the events over Dialogflow's virtual-agent stage", () => {
    expect(fold([read(10, { conversationStage: 'VIRTUAL_AGENT_STAGE' }), event('HUMAN_INTERVENTION_NEEDED', 5)])).toMatchObject({ conversationStage: 'HUMAN_ASSIST_STAGE' });
  });

  it('keeps the whole Conversation of the most advanced read, whenever it was read', () => {
    const state = fold([
      read(30, { lifecycleState: 'IN_PROGRESS', conversationProfile: 'projects/p/locations/global/conversationProfiles/cp' }),
      read(20, { lifecycleState: 'COMPLETED', conversationProfile: 'projects/p/locations/global/conversationProfiles/cp', telephonyConnectionInfo: { dialedNumber: '+1' } }),
    ]);
    expect(state.conversationProfile).toBe('projects/p/locations/global/conversationProfiles/cp');
    expect(JSON.parse(state.dialogflow!.conversation!.json)).toMatchObject({ lifecycleState: 'COMPLETED', telephonyConnectionInfo: { dialedNumber: '+1' } });
    expect(state.dialogflow!.lastReadAt).toBe(at(30));
  });

  it('changes nothing when the same Conversation is listed again, and only the last read time when a scheduled read finds it again', () => {
    const conversation = { lifecycleState: 'IN_PROGRESS', conversationProfile: 'projects/p/locations/global/conversationProfiles/cp', startTime: protoAt(5) };
    const listed = (): Input => {
      const result = toConversationSnapshot({ name: id.name, ...conversation }, null, 'global');
      if (!result.ok) throw new Error(result.problem);
      return { kind: 'snapshot', snapshot: result.value.snapshot };
    };
    const once = fold([event('CONVERSATION_STARTED', 10), listed()]);
    expect(JSON.stringify(apply(once, listed()))).toBe(JSON.stringify(once));
    const readAgain = apply(apply(once, read(100, conversation)), read(200, conversation));
    expect({ ...readAgain, dialogflow: { ...readAgain.dialogflow, lastReadAt: null } }).toEqual(once);
    expect(readAgain.dialogflow!.lastReadAt).toBe(at(200));
  });

  it('marks a purged conversation without changing what is served', () => {
    const before = fold([event('CONVERSATION_STARTED', 10), event('CONVERSATION_FINISHED', 20)]);
    const after = fold([event('CONVERSATION_STARTED', 10), event('CONVERSATION_FINISHED', 20), gone(3_000_000), gone(2_700_000)]);
    expect(after.dialogflow?.notFoundAt).toBe(at(2_700_000));
    const served = (s: ConversationState) => [s.lifecycleState, s.startTime, s.endTime, s.conversationStage, s.conversationProfile, s.phoneNumber];
    expect(served(after)).toEqual(served(before));
  });

  it('reads a document of schema version 1, which kept only the event facts', () => {
    const v1 = {
      ...id,
      lifecycleState: 'COMPLETED',
      startTime: at(10),
      endTime: at(20),
      conversationStage: 'HUMAN_ASSIST_STAGE',
      lifecycleEvents: [],
      lifecycleEventsTruncated: false,
    };
    const state = ConversationStateSchema.parse(v1);
    expect(state).toMatchObject({ eventStartTime: at(10), eventEndTime: at(20), humanInterventionNeeded: true, dialogflow: null, conversationProfile: null });
    expect(mergeConversationSnapshot(state, id, { found: false, readTime: at(30) }).startTime).toBe(at(10));
  });
});

describe('mergeConversationSnapshot: a function of the set of inputs', () => {
  const seconds = fc.integer({ min: 0, max: 200_000 });
  const eventInput = fc
    .tuple(fc.constantFrom('CONVERSATION_STARTED', 'CONVERSATION_FINISHED', 'HUMAN_INTERVENTION_NEEDED', 'UNRECOVERABLE_ERROR'), seconds, fc.integer({ min: 0, max: 3 }))
    .map(([type, s, n]) => event(type, s, `m${n}-${s}`));
  const snapshotInput = fc.oneof(
    fc
      .record({
        readSeconds: fc.option(seconds, { nil: null }),
        lifecycleState: fc.constantFrom('IN_PROGRESS', 'COMPLETED', 'LIFECYCLE_STATE_UNSPECIFIED', 2),
        conversationStage: fc.constantFrom('VIRTUAL_AGENT_STAGE', 'HUMAN_ASSIST_STAGE', 'CONVERSATION_STAGE_UNSPECIFIED', undefined),
        start: fc.option(seconds, { nil: undefined }),
        end: fc.option(seconds, { nil: undefined }),
        profile: fc.constantFrom(undefined, '', 'projects/p/locations/global/conversationProfiles/a', 'projects/p/locations/global/conversationProfiles/b'),
        phone: fc.constantFrom(undefined, { phoneNumber: '+15550100' }, { phoneNumber: '+15550101', countryCode: 1 }),
      })
      .map(({ readSeconds, lifecycleState, conversationStage, start, end, profile, phone }) =>
        read(readSeconds, {
          lifecycleState,
          ...(conversationStage ? { conversationStage } : {}),
          ...(start === undefined ? {} : { startTime: protoAt(start) }),
          ...(end === undefined ? {} : { endTime: protoAt(end) }),
          ...(profile === undefined ? {} : { conversationProfile: profile }),
          ...(phone === undefined ? {} : { phoneNumber: phone }),
        }),
      ),
    seconds.map(gone),
  );
  const inputs = fc.array(fc.oneof(eventInput, snapshotInput), { minLength: 1, maxLength: 12 });

  it('ends in the same state for any order and any repeats of the same events and snapshots', () => {
    fc.assert(
      fc.property(inputs, fc.infiniteStream(fc.nat()), fc.array(fc.nat(), { maxLength: 6 }), (list, randomness, repeats) => {
        const shuffled = [...list, ...repeats.map((r) => list[r % list.length]!)];
        const keys = shuffled.map(() => randomness.next().value);
        const permuted = shuffled.map((input, index) => ({ input, key: keys[index]! })).sort((a, b) => a.key - b.key).map(({ input }) => input);
        expect(JSON.stringify(fold(permuted))).toBe(JSON.stringify(fold(list)));
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent: merging any input again changes nothing', () => {
    fc.assert(
      fc.property(inputs, fc.nat(), (list, pick) => {
        const state = fold(list);
        expect(JSON.stringify(apply(state, list[pick % list.length]!))).toBe(JSON.stringify(state));
      }),
      { numRuns: 300 },
    );
  });

  it('is COMPLETED exactly when an event finished it or Dialogflow reported it COMPLETED or ended', () => {
    fc.assert(
      fc.property(inputs, (list) => {
        const state = fold(list);
        const finishedByEvent = list.some((input) => input.kind === 'event' && input.event.type === 'CONVERSATION_FINISHED');
        const completedByDialogflow = list.some((input) => input.kind === 'snapshot' && input.snapshot.found && (input.snapshot.lifecycleState === 'COMPLETED' || input.snapshot.endTime !== null));
        expect(state.lifecycleState === 'COMPLETED').toBe(finishedByEvent || completedByDialogflow);
      }),
      { numRuns: 300 },
    );
  });

  it("serves Dialogflow's earliest reported start time when any read reported one, else the earliest STARTED publish time", () => {
    fc.assert(
      fc.property(inputs, (list) => {
        const reported = list.flatMap((input) => (input.kind === 'snapshot' && input.snapshot.found && input.snapshot.startTime ? [input.snapshot.startTime] : []));
        const published = list.flatMap((input) => (input.kind === 'event' && input.event.type === 'CONVERSATION_STARTED' ? [input.event.publishTime] : []));
        const min = (times: string[]) => (times.length === 0 ? null : times.reduce((a, b) => (b < a ? b : a)));
        expect(fold(list).startTime).toBe(reported.length > 0 ? min(reported) : min(published));
      }),
      { numRuns: 300 },
    );
  });
});

describe('toListedMessageRecord', () => {
  it('makes of a listed message the record its NEW_MESSAGE would store: same id, same sort key', () => {
    const record = toListedMessageRecord(id, { name: `${id.name}/messages/m1`, content: 'x', participantRole: 'END_USER', createTime: '2026-11-02T14:03:02.455120Z' }, 'global');
    expect(record).toMatchObject({ ok: true, value: { messageId: 'm1', sortKey: '2026-11-02T14:03:02.455120000Z#m1', participantRole: 'END_USER' } });
  });

  it.each([
    [{ name: 'nonsense' }, /is not <conversation>\/messages\/<M>/],
    [{ name: 'projects/p/locations/global/conversations/other/messages/m1', createTime: '2026-11-02T14:03:02Z' }, /names another conversation/],
    [{ name: `${id.name}/messages/m1` }, /has no RFC 3339 createTime/],
  ])('says why it cannot read %j', (message, problem) => {
    const record = toListedMessageRecord(id, message, 'global');
    expect(record.ok).toBe(false);
    expect(!record.ok && record.problem).toMatch(problem);
  });
});
