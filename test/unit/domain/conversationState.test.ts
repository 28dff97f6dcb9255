import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_KEPT_LIFECYCLE_EVENTS,
  addDays,
  conversationExpiry,
  conversationSortKeys,
  emptyConversationState,
  eventOrderKey,
  mergeLifecycleEvent,
  sameConversationState,
  type ConversationState,
  type LifecycleEventRecord,
} from '../../../shared/domain/conversationState';
import { formatSortableTimestamp } from '../../../shared/domain/timestamps';

const id = { project: 'p', location: 'global', conversationId: 'c1', name: 'projects/p/locations/global/conversations/c1' };

/** Sortable publish time `seconds` after 2026-11-02T14:00:00Z. */
const at = (seconds: number) => formatSortableTimestamp(BigInt(Date.UTC(2026, 10, 2, 14) / 1000 + seconds) * 1_000_000_000n);

function ev(type: string | number, seconds: number, pubsubMessageId = `id-${seconds}`, detailJson?: string): LifecycleEventRecord {
  return { type, publishTime: at(seconds), pubsubMessageId, ...(detailJson === undefined ? {} : { detailJson }) };
}

const fold = (events: LifecycleEventRecord[], start?: ConversationState) =>
  events.reduce<ConversationState | undefined>((state, event) => mergeLifecycleEvent(state, id, event), start) ?? emptyConversationState(id);

describe('mergeLifecycleEvent', () => {
  const cases: Array<{ name: string; events: LifecycleEventRecord[]; expected: Partial<ConversationState> }> = [
    {
      name: 'starts IN_PROGRESS with the start time of CONVERSATION_STARTED',
      events: [ev('CONVERSATION_STARTED', 10)],
      expected: { lifecycleState: 'IN_PROGRESS', startTime: at(10), endTime: null, conversationStage: null, lifecycleEvents: [ev('CONVERSATION_STARTED', 10)] },
    },
    {
      name: 'keeps the earliest CONVERSATION_STARTED when the later one came first',
      events: [ev('CONVERSATION_STARTED', 20), ev('CONVERSATION_STARTED', 10)],
      expected: { startTime: at(10) },
    },
    {
      name: 'keeps the earliest CONVERSATION_STARTED when the earlier one came first',
      events: [ev('CONVERSATION_STARTED', 10), ev('CONVERSATION_STARTED', 20)],
      expected: { startTime: at(10) },
    },
    {
      name: 'completes the conversation on CONVERSATION_FINISHED with its end time',
      events: [ev('CONVERSATION_STARTED', 10), ev('CONVERSATION_FINISHED', 30)],
      expected: { lifecycleState: 'COMPLETED', startTime: at(10), endTime: at(30) },
    },
    {
      name: 'keeps the earliest end time when FINISHED fires twice, later one first',
      events: [ev('CONVERSATION_FINISHED', 50), ev('CONVERSATION_FINISHED', 30)],
      expected: { lifecycleState: 'COMPLETED', endTime: at(30) },
    },
    {
      name: 'keeps the earliest end time when FINISHED fires twice, earlier one first',
      events: [ev('CONVERSATION_FINISHED', 30), ev('CONVERSATION_FINISHED', 50)],
      expected: { lifecycleState: 'COMPLETED', endTime: at(30) },
    },
    {
      name: 'is COMPLETED once any FINISHED arrived, even before STARTED',
      events: [ev('CONVERSATION_FINISHED', 30), ev('CONVERSATION_STARTED', 10), ev('UNRECOVERABLE_ERROR', 40)],
      expected: { lifecycleState: 'COMPLETED', startTime: at(10), endTime: at(30) },
    },
    {
      name: 'moves to HUMAN_ASSIST_STAGE on HUMAN_INTERVENTION_NEEDED and stays there',
      events: [ev('HUMAN_INTERVENTION_NEEDED', 15), ev('CONVERSATION_STARTED', 10), ev('CONVERSATION_FINISHED', 30)],
      expected: { conversationStage: 'HUMAN_ASSIST_STAGE', lifecycleState: 'COMPLETED' },
    },
    {
      name: 'records unknown event types without changing times or stage',
      events: [ev(42, 10), ev('SOMETHING_NEW', 11), ev('UNRECOVERABLE_ERROR', 12, 'e', '{"errorStatus":{"code":13}}')],
      expected: {
        lifecycleState: 'IN_PROGRESS',
        startTime: null,
        endTime: null,
        conversationStage: null,
        lifecycleEvents: [ev(42, 10), ev('SOMETHING_NEW', 11), ev('UNRECOVERABLE_ERROR', 12, 'e', '{"errorStatus":{"code":13}}')],
      },
    },
    {
      name: 'keeps events ordered by publish time whatever the arrival order',
      events: [ev('CONVERSATION_FINISHED', 30), ev('CONVERSATION_STARTED', 10), ev('HUMAN_INTERVENTION_NEEDED', 20)],
      expected: { lifecycleEvents: [ev('CONVERSATION_STARTED', 10), ev('HUMAN_INTERVENTION_NEEDED', 20), ev('CONVERSATION_FINISHED', 30)] },
    },
    {
      name: 'orders events of the same publish time by Pub/Sub id',
      events: [ev('CONVERSATION_FINISHED', 10, 'b'), ev('CONVERSATION_STARTED', 10, 'a')],
      expected: { lifecycleEvents: [ev('CONVERSATION_STARTED', 10, 'a'), ev('CONVERSATION_FINISHED', 10, 'b')] },
    },
    {
      name: 'keeps two events sharing publish time and Pub/Sub id but differing in type',
      events: [ev('CONVERSATION_STARTED', 10, 'same'), ev('HUMAN_INTERVENTION_NEEDED', 10, 'same')],
      expected: { lifecycleEvents: [ev('CONVERSATION_STARTED', 10, 'same'), ev('HUMAN_INTERVENTION_NEEDED', 10, 'same')] },
    },
    {
      name: 'keeps a numeric type and its string spelling as two events',
      events: [ev('42', 10, 'same'), ev(42, 10, 'same')],
      expected: { lifecycleEvents: [ev(42, 10, 'same'), ev('42', 10, 'same')] },
    },
    {
      name: 'keeps an event once when it is delivered again',
      events: [ev('CONVERSATION_STARTED', 10), ev('CONVERSATION_STARTED', 10), ev('CONVERSATION_STARTED', 10)],
      expected: { lifecycleEvents: [ev('CONVERSATION_STARTED', 10)], lifecycleEventsTruncated: false },
    },
  ];
  it.each(cases)('$name', ({ events, expected }) => {
    expect(fold(events)).toMatchObject(expected);
  });

  it('gives the same state when the same event is merged again', () => {
    const once = fold([ev('CONVERSATION_STARTED', 10), ev('CONVERSATION_FINISHED', 30, 'f', '{"x":1}')]);
    for (const event of once.lifecycleEvents) {
      expect(mergeLifecycleEvent(once, id, { ...event })).toEqual(once);
    }
  });

  it('starts from the empty state of the conversation', () => {
    expect(mergeLifecycleEvent(undefined, id, ev(42, 1))).toEqual({ ...emptyConversationState(id), lifecycleEvents: [ev(42, 1)] });
  });

  it('does not change the state it is given', () => {
    const before = fold([ev('CONVERSATION_STARTED', 10)]);
    const snapshot = structuredClone(before);
    mergeLifecycleEvent(before, id, ev('CONVERSATION_FINISHED', 5));
    expect(before).toEqual(snapshot);
  });

  const many = (count: number) => Array.from({ length: count }, (_, i) => ev('UNRECOVERABLE_ERROR', 1000 + i));
  const truncation = [
    { name: 'keeps exactly MAX_KEPT_LIFECYCLE_EVENTS events without truncating', events: many(MAX_KEPT_LIFECYCLE_EVENTS), kept: many(MAX_KEPT_LIFECYCLE_EVENTS), truncated: false },
    { name: 'keeps the earliest events and sets the flag beyond the limit', events: many(MAX_KEPT_LIFECYCLE_EVENTS + 1), kept: many(MAX_KEPT_LIFECYCLE_EVENTS), truncated: true },
    { name: 'keeps the earliest events when the latest arrive first', events: many(MAX_KEPT_LIFECYCLE_EVENTS + 5).reverse(), kept: many(MAX_KEPT_LIFECYCLE_EVENTS), truncated: true },
    {
      name: 'replaces the latest kept event by an earlier one arriving after truncation',
      events: [...many(MAX_KEPT_LIFECYCLE_EVENTS + 1), ev('CONVERSATION_STARTED', 1)],
      kept: [ev('CONVERSATION_STARTED', 1), ...many(MAX_KEPT_LIFECYCLE_EVENTS - 1)],
      truncated: true,
    },
    {
      name: 'stays truncated when a kept event is delivered again',
      events: [...many(MAX_KEPT_LIFECYCLE_EVENTS + 1), ev('UNRECOVERABLE_ERROR', 1000)],
      kept: many(MAX_KEPT_LIFECYCLE_EVENTS),
      truncated: true,
    },
    {
      name: 'stays truncated when a dropped event is delivered again',
      events: [...many(MAX_KEPT_LIFECYCLE_EVENTS + 1), ev('UNRECOVERABLE_ERROR', 1000 + MAX_KEPT_LIFECYCLE_EVENTS)],
      kept: many(MAX_KEPT_LIFECYCLE_EVENTS),
      truncated: true,
    },
  ];
  it.each(truncation)('$name', ({ events, kept, truncated }) => {
    const state = fold(events);
    expect(state.lifecycleEvents).toEqual(kept);
    expect(state.lifecycleEventsTruncated).toBe(truncated);
  });

  it('still takes the times of events it no longer keeps', () => {
    const state = fold([...many(MAX_KEPT_LIFECYCLE_EVENTS), ev('CONVERSATION_FINISHED', 5000), ev('HUMAN_INTERVENTION_NEEDED', 5001)]);
    expect(state).toMatchObject({ endTime: at(5000), lifecycleState: 'COMPLETED', conversationStage: 'HUMAN_ASSIST_STAGE', lifecycleEventsTruncated: true });
    expect(state.lifecycleEvents).toHaveLength(MAX_KEPT_LIFECYCLE_EVENTS);
  });
});

describe('merging any deliveries of a set of events', () => {
  const types: Array<string | number> = ['CONVERSATION_STARTED', 'CONVERSATION_FINISHED', 'HUMAN_INTERVENTION_NEEDED', 'UNRECOVERABLE_ERROR', 'TYPE_UNSPECIFIED', 'FUTURE_TYPE', 42, 3];
  const eventArb = fc
    .record({
      type: fc.constantFrom(...types),
      seconds: fc.integer({ min: 0, max: 30 }),
      pubsubMessageId: fc.integer({ min: 1, max: 12 }).map((n) => `m${n}`),
      detailJson: fc.constantFrom(undefined, '{"errorStatus":{"code":13}}', '{"pubsubAttributes":{"a":"b"}}'),
    })
    .map(({ type, seconds, pubsubMessageId, detailJson }) => ev(type, seconds, pubsubMessageId, detailJson));

  /** Events, and an arrival order that is any permutation of them with any of them repeated. */
  const deliveries = (minEvents: number, maxEvents: number) =>
    fc.array(eventArb, { minLength: minEvents, maxLength: maxEvents }).chain((events) =>
      fc
        .array(fc.nat({ max: Math.max(events.length - 1, 0) }), { maxLength: events.length === 0 ? 0 : 40 })
        .chain((repeats) => {
          const arrivals = [...events, ...repeats.map((i) => events[i]!)];
          return fc.tuple(fc.constant(events), fc.shuffledSubarray(arrivals, { minLength: arrivals.length, maxLength: arrivals.length }));
        }),
    );

  const identity = (event: LifecycleEventRecord) => JSON.stringify([typeof event.type, event.type, event.publishTime, event.pubsubMessageId, event.detailJson ?? null]);
  const distinct = (events: LifecycleEventRecord[]) => events.filter((event, i) => events.findIndex((other) => identity(other) === identity(event)) === i);
  const earliestOf = (events: LifecycleEventRecord[], type: string) =>
    events.filter((event) => event.type === type).map((event) => event.publishTime).sort()[0] ?? null;

  const check = ([events, arrivals]: [LifecycleEventRecord[], LifecycleEventRecord[]]) => {
    const unique = distinct(events);
    const expected = fold(unique);
    expect(fold(arrivals)).toEqual(expected);
    // The reference fold itself agrees with what the events say, computed independently.
    expect(expected).toMatchObject({
      startTime: earliestOf(unique, 'CONVERSATION_STARTED'),
      endTime: earliestOf(unique, 'CONVERSATION_FINISHED'),
      lifecycleState: earliestOf(unique, 'CONVERSATION_FINISHED') === null ? 'IN_PROGRESS' : 'COMPLETED',
      conversationStage: unique.some((event) => event.type === 'HUMAN_INTERVENTION_NEEDED') ? 'HUMAN_ASSIST_STAGE' : null,
      lifecycleEventsTruncated: unique.length > MAX_KEPT_LIFECYCLE_EVENTS,
    });
    expect(expected.lifecycleEvents).toHaveLength(Math.min(unique.length, MAX_KEPT_LIFECYCLE_EVENTS));
  };

  // fc.assert runs synchronously, out of reach of vitest's timeout: bound it (shrinking included) so a failure cannot hang the run.
  const limits = { interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true };

  it('ends in the same state as merging each distinct event once, in order (few events)', () => {
    fc.assert(fc.property(deliveries(0, 25), check), { ...limits, numRuns: 300 });
  });

  it('ends in the same state as merging each distinct event once, in order (past truncation)', () => {
    fc.assert(fc.property(deliveries(95, 120), check), { ...limits, numRuns: 15 });
  });
});

describe('eventOrderKey', () => {
  it('orders by publish time before Pub/Sub id', () => {
    expect(eventOrderKey(ev('X', 1, 'z')) < eventOrderKey(ev('X', 2, 'a'))).toBe(true);
  });

  it('tells apart events that differ only in detail', () => {
    expect(eventOrderKey(ev('X', 1, 'a', '{"a":1}'))).not.toBe(eventOrderKey(ev('X', 1, 'a', '{"a":2}')));
  });
});

describe('conversationSortKeys', () => {
  const cases = [
    { name: 'starts with # for a conversation without times', events: [], expected: { startSortKey: '#c1', endSortKey: '#c1' } },
    { name: 'puts the start time before the id', events: [ev('CONVERSATION_STARTED', 10)], expected: { startSortKey: `${at(10)}#c1`, endSortKey: '#c1' } },
    {
      name: 'puts the end time before the id',
      events: [ev('CONVERSATION_STARTED', 10), ev('CONVERSATION_FINISHED', 20)],
      expected: { startSortKey: `${at(10)}#c1`, endSortKey: `${at(20)}#c1` },
    },
  ];
  it.each(cases)('$name', ({ events, expected }) => {
    expect(conversationSortKeys(fold(events))).toEqual(expected);
  });

  it('sorts a key without time below every key with a time', () => {
    const earliest = { ...emptyConversationState(id), startTime: formatSortableTimestamp(-62_135_596_800n * 1_000_000_000n) };
    expect(conversationSortKeys(emptyConversationState(id)).startSortKey < conversationSortKeys(earliest).startSortKey).toBe(true);
  });
});

describe('sameConversationState', () => {
  const cases = [
    { name: 'says two folds of the same events are the same', a: [ev('CONVERSATION_STARTED', 1)], b: [ev('CONVERSATION_STARTED', 1)], expected: true },
    { name: 'says states with different events differ', a: [ev('CONVERSATION_STARTED', 1)], b: [ev('CONVERSATION_STARTED', 2)], expected: false },
  ];
  it.each(cases)('$name', ({ a, b, expected }) => {
    expect(sameConversationState(fold(a), fold(b))).toBe(expected);
  });
});

describe('eventOrderKey', () => {
  it('tells an event without detail from one with an empty detail', () => {
    expect(eventOrderKey(ev('CONVERSATION_STARTED', 1, 'x'))).not.toBe(eventOrderKey(ev('CONVERSATION_STARTED', 1, 'x', '')));
  });
});

describe('conversationExpiry and addDays', () => {
  const state = (startTime: string | null, endTime: string | null): ConversationState => ({ ...emptyConversationState(id), startTime, endTime });
  it.each([
    { name: 'keeps everything when retention is 0', input: state(at(0), at(60)), days: 0, expected: undefined },
    { name: 'expires a finished conversation after its end', input: state(at(0), '2026-11-02T14:30:00.000000001Z'), days: 30, expected: '2026-12-02T14:30:00.000000001Z' },
    { name: 'expires a conversation whose end never came after its start', input: state('2026-11-02T14:00:00.000000000Z', null), days: 1, expected: '2026-11-03T14:00:00.000000000Z' },
    { name: 'keeps a conversation with neither start nor end', input: state(null, null), days: 30, expected: undefined },
  ])('$name', ({ input, days, expected }) => {
    expect(conversationExpiry(input, days)).toBe(expected);
  });
  it('adds whole days across a leap day', () => {
    expect(addDays('2028-02-28T00:00:00.000000000Z', 2)).toBe('2028-03-01T00:00:00.000000000Z');
  });
});
