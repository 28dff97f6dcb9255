import { describe, expect, it } from 'vitest';
import { emptyConversationState, type ConversationState, type LifecycleEventRecord } from '../../../../shared/domain/conversationState';
import { HISTORY_METADATA_FIELD, toConversationResource, toMessageResource } from '../../../../shared/domain/history/resources';
import { parseConversationName } from '../../../../shared/domain/resourceNames';

const NAME = 'projects/p/locations/global/conversations/Cv1';
const id = parseConversationName(NAME)!;
const names = { enumsAsNumbers: false };
const numbers = { enumsAsNumbers: true };

function conversation(overrides: Partial<ConversationState> = {}): ConversationState {
  return { ...emptyConversationState(id), ...overrides };
}

const started: LifecycleEventRecord = { type: 'CONVERSATION_STARTED', publishTime: '2026-01-01T00:00:00.000000000Z', pubsubMessageId: '101' };
const intervention: LifecycleEventRecord = { type: 'HUMAN_INTERVENTION_NEEDED', publishTime: '2026-01-01T00:01:00.000001000Z', pubsubMessageId: '102' };
const error: LifecycleEventRecord = {
  type: 'UNRECOVERABLE_ERROR',
  publishTime: '2026-01-01T00:02:00.000000001Z',
  pubsubMessageId: '103',
  detailJson: '{"errorStatus":{"code":13,"message":"boom"}}',
};
const bareError: LifecycleEventRecord = { type: 'UNRECOVERABLE_ERROR', publishTime: '2026-01-01T00:03:00.500000000Z', pubsubMessageId: '104' };
const finished: LifecycleEventRecord = {
  type: 'CONVERSATION_FINISHED',
  publishTime: '2026-01-01T00:05:00.123000000Z',
  pubsubMessageId: '105',
  detailJson: '{"pubsubAttributes":{"k":"v"},"someNewField":1}',
};

const complete = conversation({
  lifecycleState: 'COMPLETED',
  startTime: started.publishTime,
  endTime: finished.publishTime,
  conversationStage: 'HUMAN_ASSIST_STAGE',
  lifecycleEvents: [started, intervention, error, bareError, finished],
});

describe('toConversationResource', () => {
  it('renders a full conversation in Dialogflow shape with our history under historyMetadata', () => {
    expect(toConversationResource(complete, names)).toStrictEqual({
      name: NAME,
      lifecycleState: 'COMPLETED',
      conversationStage: 'HUMAN_ASSIST_STAGE',
      startTime: '2026-01-01T00:00:00Z',
      endTime: '2026-01-01T00:05:00.123Z',
      historyMetadata: {
        humanInterventions: [{ time: '2026-01-01T00:01:00.000001Z' }],
        unrecoverableErrors: [
          { time: '2026-01-01T00:02:00.000000001Z', errorStatus: { code: 13, message: 'boom' } },
          { time: '2026-01-01T00:03:00.500Z' },
        ],
        lifecycleEvents: [
          { type: 'CONVERSATION_STARTED', publishTime: '2026-01-01T00:00:00Z', pubsubMessageId: '101' },
          { type: 'HUMAN_INTERVENTION_NEEDED', publishTime: '2026-01-01T00:01:00.000001Z', pubsubMessageId: '102' },
          { type: 'UNRECOVERABLE_ERROR', publishTime: '2026-01-01T00:02:00.000000001Z', pubsubMessageId: '103', errorStatus: { code: 13, message: 'boom' } },
          { type: 'UNRECOVERABLE_ERROR', publishTime: '2026-01-01T00:03:00.500Z', pubsubMessageId: '104' },
          { type: 'CONVERSATION_FINISHED', publishTime: '2026-01-01T00:05:00.123Z', pubsubMessageId: '105', pubsubAttributes: { k: 'v' }, someNewField: 1 },
        ],
        lifecycleEventsTruncated: false,
      },
    });
  });

  it('names the metadata field historyMetadata', () => {
    expect(HISTORY_METADATA_FIELD).toBe('historyMetadata');
  });

  const keyCases = [
    {
      name: 'a conversation with no events has only its name, state and empty metadata',
      input: conversation(),
      expected: ['historyMetadata', 'lifecycleState', 'name'],
    },
    {
      name: 'a started conversation adds startTime only',
      input: conversation({ startTime: started.publishTime, lifecycleEvents: [started] }),
      expected: ['historyMetadata', 'lifecycleState', 'name', 'startTime'],
    },
    {
      name: 'a finished conversation without a start adds endTime only',
      input: conversation({ lifecycleState: 'COMPLETED', endTime: finished.publishTime, lifecycleEvents: [finished] }),
      expected: ['endTime', 'historyMetadata', 'lifecycleState', 'name'],
    },
    {
      name: 'a conversation handed to a human adds conversationStage',
      input: conversation({ conversationStage: 'HUMAN_ASSIST_STAGE', lifecycleEvents: [intervention] }),
      expected: ['conversationStage', 'historyMetadata', 'lifecycleState', 'name'],
    },
    {
      name: 'a complete conversation never invents fields it does not know',
      input: complete,
      expected: ['conversationStage', 'endTime', 'historyMetadata', 'lifecycleState', 'name', 'startTime'],
    },
  ];

  it.each(keyCases)('omits what it does not know: $name', ({ input, expected }) => {
    const resource = toConversationResource(input, names);
    expect(Object.keys(resource).sort()).toStrictEqual(expected);
    for (const unknown of ['conversationProfile', 'phoneNumber', 'conversationStartTime', 'telephonyConnectionInfo']) {
      expect(resource).not.toHaveProperty(unknown);
    }
  });

  it('renders empty metadata for a conversation with no events', () => {
    expect(toConversationResource(conversation(), names)).toStrictEqual({
      name: NAME,
      lifecycleState: 'IN_PROGRESS',
      historyMetadata: { humanInterventions: [], unrecoverableErrors: [], lifecycleEvents: [], lifecycleEventsTruncated: false },
    });
  });

  it('says when lifecycle events were truncated', () => {
    const resource = toConversationResource(conversation({ lifecycleEventsTruncated: true }), names);
    expect(resource[HISTORY_METADATA_FIELD]).toMatchObject({ lifecycleEventsTruncated: true });
  });

  const enumCases = [
    { name: 'IN_PROGRESS by name', input: { state: conversation(), options: names }, expected: { lifecycleState: 'IN_PROGRESS' } },
    { name: 'IN_PROGRESS as 1', input: { state: conversation(), options: numbers }, expected: { lifecycleState: 1 } },
    {
      name: 'COMPLETED and HUMAN_ASSIST_STAGE by name',
      input: { state: complete, options: names },
      expected: { lifecycleState: 'COMPLETED', conversationStage: 'HUMAN_ASSIST_STAGE' },
    },
    { name: 'COMPLETED as 2 and HUMAN_ASSIST_STAGE as 2', input: { state: complete, options: numbers }, expected: { lifecycleState: 2, conversationStage: 2 } },
  ];

  it.each(enumCases)('renders enums as asked: $name', ({ input, expected }) => {
    expect(toConversationResource(input.state, input.options)).toMatchObject(expected);
  });

  it('renders the same times whether enums are names or numbers', () => {
    const byName = toConversationResource(complete, names);
    const byNumber = toConversationResource(complete, numbers);
    expect(byNumber['startTime']).toBe(byName['startTime']);
    expect(byNumber['endTime']).toBe(byName['endTime']);
    expect(byNumber['name']).toBe(byName['name']);
  });

  const timeCases = [
    { name: 'whole seconds have no fraction', input: '2026-01-01T00:00:00.000000000Z', expected: '2026-01-01T00:00:00Z' },
    { name: 'milliseconds have 3 digits', input: '2026-01-01T00:00:00.120000000Z', expected: '2026-01-01T00:00:00.120Z' },
    { name: 'microseconds have 6 digits', input: '2026-01-01T00:00:00.123400000Z', expected: '2026-01-01T00:00:00.123400Z' },
    { name: 'nanoseconds have 9 digits', input: '2026-01-01T00:00:00.123456700Z', expected: '2026-01-01T00:00:00.123456700Z' },
    { name: 'a single nanosecond has 9 digits', input: '2026-01-01T00:00:00.000000001Z', expected: '2026-01-01T00:00:00.000000001Z' },
    { name: 'a positive offset is converted to UTC', input: '2026-01-01T01:30:00+01:30', expected: '2026-01-01T00:00:00Z' },
    { name: 'a negative offset crossing midnight is converted to UTC', input: '2025-12-31T20:00:00.5-04:00', expected: '2026-01-01T00:00:00.500Z' },
    { name: 'a lower-case z is upper-case in the output', input: '2026-01-01t00:00:00.000001z', expected: '2026-01-01T00:00:00.000001Z' },
    { name: 'a time before the epoch', input: '1969-12-31T23:59:59.500000000Z', expected: '1969-12-31T23:59:59.500Z' },
    { name: 'the first representable instant', input: '0001-01-01T00:00:00.000000000Z', expected: '0001-01-01T00:00:00Z' },
    { name: 'the last representable instant', input: '9999-12-31T23:59:59.999999999Z', expected: '9999-12-31T23:59:59.999999999Z' },
    { name: 'an unreadable time is kept as stored', input: 'not a time', expected: 'not a time' },
  ];

  it.each(timeCases)('renders times in UTC with 0, 3, 6 or 9 fractional digits: $name', ({ input, expected }) => {
    const resource = toConversationResource(
      conversation({ startTime: input, endTime: input, lifecycleEvents: [{ type: 'CONVERSATION_STARTED', publishTime: input, pubsubMessageId: '1' }] }),
      names,
    );
    expect(resource['startTime']).toBe(expected);
    expect(resource['endTime']).toBe(expected);
    expect(resource[HISTORY_METADATA_FIELD]).toMatchObject({ lifecycleEvents: [{ publishTime: expected }] });
  });

  it('lists every human intervention and unrecoverable error in stored order', () => {
    const later: LifecycleEventRecord = { ...intervention, publishTime: '2026-01-01T00:10:00.000000000Z', pubsubMessageId: '201' };
    const resource = toConversationResource(conversation({ lifecycleEvents: [started, intervention, error, later, bareError] }), numbers);
    expect(resource[HISTORY_METADATA_FIELD]).toMatchObject({
      humanInterventions: [{ time: '2026-01-01T00:01:00.000001Z' }, { time: '2026-01-01T00:10:00Z' }],
      unrecoverableErrors: [{ time: '2026-01-01T00:02:00.000000001Z', errorStatus: { code: 13, message: 'boom' } }, { time: '2026-01-01T00:03:00.500Z' }],
    });
  });

  it('leaves the stored state unchanged', () => {
    const state = structuredClone(complete);
    toConversationResource(state, numbers);
    expect(state).toStrictEqual(complete);
  });
});

describe('toMessageResource', () => {
  const message = {
    name: `${NAME}/messages/m1`,
    content: 'hello',
    languageCode: 'en-US',
    participant: `${NAME}/participants/P1`,
    participantRole: 'END_USER',
    createTime: '2026-11-02T15:03:02.455120+01:00',
    sendTime: '2026-11-02T14:03:02.4Z',
    messageAnnotation: { parts: [{ text: 'hello', entityType: 'x' }], containEntities: true },
    sentimentAnalysis: { sentiment: { score: 0.5, magnitude: 0.5 } },
    futureField: { nested: [1, 'two', null] },
  };

  it('keeps every field as received, unknown ones included, with times in UTC', () => {
    expect(toMessageResource(JSON.stringify(message), id, names)).toStrictEqual({
      ...message,
      createTime: '2026-11-02T14:03:02.455120Z',
      sendTime: '2026-11-02T14:03:02.400Z',
    });
  });

  const timeCases = [
    { name: 'a Z time with microseconds is kept', input: { createTime: '2026-11-02T14:03:02.455120Z' }, expected: { createTime: '2026-11-02T14:03:02.455120Z' } },
    { name: 'a nine-digit time with trailing zeros is shortened', input: { createTime: '2026-11-02T14:03:02.455000000Z' }, expected: { createTime: '2026-11-02T14:03:02.455Z' } },
    { name: 'an offset sendTime is converted to UTC', input: { sendTime: '2026-11-02T09:03:02-05:00' }, expected: { sendTime: '2026-11-02T14:03:02Z' } },
    { name: 'both times with offsets are converted', input: { createTime: '2026-11-03T00:00:00.000000001+10:00', sendTime: '2026-11-02T14:00:00+00:00' }, expected: { createTime: '2026-11-02T14:00:00.000000001Z', sendTime: '2026-11-02T14:00:00Z' } },
    { name: 'an unreadable time is kept as received', input: { createTime: 'yesterday' }, expected: { createTime: 'yesterday' } },
    { name: 'a non-string time is kept as received', input: { createTime: 12 }, expected: { createTime: 12 } },
    { name: 'other time-like fields are not touched', input: { updateTime: '2026-11-02T15:03:02+01:00' }, expected: { updateTime: '2026-11-02T15:03:02+01:00' } },
  ];

  it.each(timeCases)('$name', ({ input, expected }) => {
    expect(toMessageResource(JSON.stringify({ name: 'm', ...input }), id, names)).toStrictEqual({ name: 'm', ...expected });
  });

  const roleCases = [
    { name: 'HUMAN_AGENT as 1', input: { role: 'HUMAN_AGENT', options: numbers }, expected: 1 },
    { name: 'AUTOMATED_AGENT as 2', input: { role: 'AUTOMATED_AGENT', options: numbers }, expected: 2 },
    { name: 'END_USER as 3', input: { role: 'END_USER', options: numbers }, expected: 3 },
    { name: 'ROLE_UNSPECIFIED as 0', input: { role: 'ROLE_UNSPECIFIED', options: numbers }, expected: 0 },
    { name: 'an unknown role name kept as a name', input: { role: 'SUPERVISOR', options: numbers }, expected: 'SUPERVISOR' },
    { name: 'an unknown role number kept as a number', input: { role: 7, options: numbers }, expected: 7 },
    { name: 'a known role number kept as a number', input: { role: 3, options: numbers }, expected: 3 },
    { name: 'END_USER kept as a name when names are asked', input: { role: 'END_USER', options: names }, expected: 'END_USER' },
    { name: 'an unknown role kept when names are asked', input: { role: 'SUPERVISOR', options: names }, expected: 'SUPERVISOR' },
    { name: 'an inherited property name is not a role', input: { role: 'toString', options: numbers }, expected: 'toString' },
  ];

  it.each(roleCases)('renders participantRole as asked: $name', ({ input, expected }) => {
    const resource = toMessageResource(JSON.stringify({ name: 'm', participantRole: input.role, content: 'x' }), id, input.options);
    expect(resource).toStrictEqual({ name: 'm', participantRole: expected, content: 'x' });
  });

  const SHORT = 'projects/p/conversations/Cv1';
  const spellingCases = [
    { name: 'a message name without the location', input: { name: `${SHORT}/messages/M1` }, expected: { name: `${NAME}/messages/M1` } },
    { name: 'a participant without the location', input: { participant: `${SHORT}/participants/P1` }, expected: { participant: `${NAME}/participants/P1` } },
    { name: 'names already canonical', input: { name: `${NAME}/messages/M1`, participant: `${NAME}/participants/P1` }, expected: { name: `${NAME}/messages/M1`, participant: `${NAME}/participants/P1` } },
    { name: "another conversation's participant, left as it is", input: { participant: 'projects/p/conversations/Other/participants/P1' }, expected: { participant: 'projects/p/conversations/Other/participants/P1' } },
    { name: 'another location, left as it is', input: { participant: 'projects/p/locations/us/conversations/Cv1/participants/P1' }, expected: { participant: 'projects/p/locations/us/conversations/Cv1/participants/P1' } },
    { name: 'something that is not a name, left as it is', input: { participant: 'P1' }, expected: { participant: 'P1' } },
  ];

  it.each(spellingCases)("spells names under the conversation's canonical name: $name", ({ input, expected }) => {
    expect(toMessageResource(JSON.stringify(input), id, names)).toStrictEqual(expected);
  });

  it('serves fields it does not model, received in snake_case, in lowerCamelCase, leaving their values as received', () => {
    const message = { name: `${NAME}/messages/M1`, future_field: { inner_key: 1 }, alreadyCamel: 1, also_present: 2, alsoPresent: 3 };
    expect(toMessageResource(JSON.stringify(message), id, names)).toStrictEqual({
      name: `${NAME}/messages/M1`,
      futureField: { inner_key: 1 },
      alreadyCamel: 1,
      also_present: 2,
      alsoPresent: 3,
    });
  });

  it('adds no participantRole to a message without one', () => {
    expect(toMessageResource(JSON.stringify({ name: 'm' }), id, numbers)).toStrictEqual({ name: 'm' });
  });
});
