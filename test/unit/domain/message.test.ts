import { describe, expect, it } from 'vitest';
import { MessageSchema, StatusSchema } from '../../../shared/domain/message';

const NAME = 'projects/p/conversations/c1/messages/m1';

describe('MessageSchema', () => {
  const accepted = [
    { name: 'turns a participant role number into its name', input: { name: NAME, participantRole: 2 }, expected: { name: NAME, participantRole: 'AUTOMATED_AGENT' } },
    { name: 'keeps an unknown participant role number as a number', input: { name: NAME, participantRole: 9 }, expected: { name: NAME, participantRole: 9 } },
    { name: 'keeps an unknown participant role name as received', input: { name: NAME, participantRole: 'ROBOT' }, expected: { name: NAME, participantRole: 'ROBOT' } },
    {
      name: 'renames snake_case fields, nested ones included',
      input: { name: NAME, participant_role: 'END_USER', create_time: 't', language_code: 'en', message_annotation: { contain_entities: true, parts: [{ entity_type: 'x' }] } },
      expected: { name: NAME, participantRole: 'END_USER', createTime: 't', languageCode: 'en', messageAnnotation: { containEntities: true, parts: [{ entityType: 'x' }] } },
    },
    {
      name: 'renames snake_case sentiment fields',
      input: { name: NAME, sentiment_analysis: { query_text_sentiment: { score: 0.5, magnitude: 1 } } },
      expected: { name: NAME, sentimentAnalysis: { queryTextSentiment: { score: 0.5, magnitude: 1 } } },
    },
    { name: 'keeps fields added to the API later', input: { name: NAME, responseMessages: [{ text: {} }] }, expected: { name: NAME, responseMessages: [{ text: {} }] } },
  ];
  it.each(accepted)('$name', ({ input, expected }) => {
    const parsed = MessageSchema.safeParse(input);
    expect(parsed.success && parsed.data).toEqual(expected);
  });

  const refused = [
    { name: 'refuses a message without a name', input: { content: 'hi' }, path: ['name'] },
    { name: 'refuses a name longer than 1024 characters', input: { name: 'x'.repeat(1025) }, path: ['name'] },
    { name: 'refuses content that is not a string', input: { name: NAME, content: 5 }, path: ['content'] },
    { name: 'refuses a create time longer than 64 characters', input: { name: NAME, createTime: '1'.repeat(65) }, path: ['createTime'] },
    { name: 'refuses a fractional participant role', input: { name: NAME, participantRole: 1.5 }, path: ['participantRole'] },
    { name: 'refuses annotation parts that are not an array', input: { name: NAME, messageAnnotation: { parts: {} } }, path: ['messageAnnotation', 'parts'] },
  ];
  it.each(refused)('$name', ({ input, path }) => {
    const parsed = MessageSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path)).toContainEqual(path);
  });
});

describe('StatusSchema', () => {
  const cases = [
    { name: 'accepts a google.rpc.Status', input: { code: 13, message: 'internal', details: [{ '@type': 'x' }] }, expected: true },
    { name: 'accepts an empty status', input: {}, expected: true },
    { name: 'refuses a fractional code', input: { code: 1.5 }, expected: false },
    { name: 'refuses details that are not objects', input: { details: ['x'] }, expected: false },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(StatusSchema.safeParse(input).success).toBe(expected);
  });
});
