import { describe, expect, it } from 'vitest';
import { ConversationEventSchema, unknownEventFields } from '../../../shared/domain/conversationEvent';

const CONVERSATION = 'projects/p/conversations/c1';

describe('ConversationEventSchema', () => {
  const accepted = [
    { name: 'turns a known type number into its name', input: { conversation: CONVERSATION, type: 2 }, expected: { conversation: CONVERSATION, type: 'CONVERSATION_FINISHED' } },
    { name: 'keeps an unknown type number as a number', input: { conversation: CONVERSATION, type: 42 }, expected: { conversation: CONVERSATION, type: 42 } },
    {
      name: 'renames snake_case payload fields',
      input: { conversation: CONVERSATION, type: 4, error_status: { code: 13 } },
      expected: { conversation: CONVERSATION, type: 'UNRECOVERABLE_ERROR', errorStatus: { code: 13 } },
    },
    {
      name: 'keeps a recognition result verbatim',
      input: { conversation: CONVERSATION, type: 7, new_recognition_result_payload: { transcript: 'x', is_final: true } },
      expected: { conversation: CONVERSATION, type: 'NEW_RECOGNITION_RESULT', newRecognitionResultPayload: { transcript: 'x', is_final: true } },
    },
  ];
  it.each(accepted)('$name', ({ input, expected }) => {
    const parsed = ConversationEventSchema.safeParse(input);
    expect(parsed.success && parsed.data).toEqual(expected);
  });

  const refused = [
    { name: 'refuses an event without conversation', input: { type: 1 } },
    { name: 'refuses an empty conversation', input: { conversation: '', type: 1 } },
    { name: 'refuses an event without type', input: { conversation: CONVERSATION } },
    { name: 'refuses an empty type name', input: { conversation: CONVERSATION, type: '' } },
    { name: 'refuses a recognition result that is not an object', input: { conversation: CONVERSATION, type: 7, newRecognitionResultPayload: [] } },
  ];
  it.each(refused)('$name', ({ input }) => {
    expect(ConversationEventSchema.safeParse(input).success).toBe(false);
  });
});

describe('unknownEventFields', () => {
  const cases = [
    { name: 'gives nothing for an event with only known fields', input: { conversation: CONVERSATION, type: 'NEW_MESSAGE', newMessagePayload: { name: 'n' } }, expected: {} },
    { name: 'gives the fields this version does not model', input: { conversation: CONVERSATION, type: 1, futureField: { a: 1 }, other: 'x' }, expected: { futureField: { a: 1 }, other: 'x' } },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(unknownEventFields(ConversationEventSchema.parse(input))).toEqual(expected);
  });
});
