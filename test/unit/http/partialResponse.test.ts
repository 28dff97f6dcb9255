import { describe, expect, it } from 'vitest';
import { parseFieldSelection, selectFields } from '../../../shared/http/partialResponse';

const page = {
  messages: [
    { name: 'm2', content: 'two', createTime: '2026-11-01T10:02:00Z', sentimentAnalysis: { queryTextSentiment: { score: 0.5, magnitude: 1 } } },
    { name: 'm1', content: 'one', createTime: '2026-11-01T10:01:00Z', participantRole: 'END_USER' },
  ],
  nextPageToken: 'next',
};

function select(fields: string, value: unknown = page): unknown {
  const parsed = parseFieldSelection(fields);
  if (!parsed.ok) throw new Error(parsed.message);
  return selectFields(value, parsed.selection);
}

describe('selectFields, with the syntax of Google partial responses', () => {
  const cases: Array<{ name: string; fields: string; expected: unknown }> = [
    { name: 'one top-level field', fields: 'nextPageToken', expected: { nextPageToken: 'next' } },
    {
      name: 'nested selections within each element of a list, and the page token when asked for',
      fields: 'messages(content,createTime),nextPageToken',
      expected: { messages: [{ content: 'two', createTime: '2026-11-01T10:02:00Z' }, { content: 'one', createTime: '2026-11-01T10:01:00Z' }], nextPageToken: 'next' },
    },
    { name: 'no page token unless asked for', fields: 'messages(name)', expected: { messages: [{ name: 'm2' }, { name: 'm1' }] } },
    { name: 'a/b sub-selection', fields: 'messages/name', expected: { messages: [{ name: 'm2' }, { name: 'm1' }] } },
    { name: "a FieldMask's dotted path", fields: 'messages.name', expected: { messages: [{ name: 'm2' }, { name: 'm1' }] } },
    { name: 'a deep path', fields: 'messages/sentimentAnalysis/queryTextSentiment/score', expected: { messages: [{ sentimentAnalysis: { queryTextSentiment: { score: 0.5 } } }, {}] } },
    { name: 'the * wildcard is every field at its level', fields: 'messages/*', expected: { messages: page.messages } },
    { name: '* with a nested selection (a scalar is kept whole)', fields: '*(name)', expected: { messages: [{ name: 'm2' }, { name: 'm1' }], nextPageToken: 'next' } },
    { name: 'a proto name selects the served field', fields: 'messages/create_time', expected: { messages: [{ createTime: '2026-11-01T10:02:00Z' }, { createTime: '2026-11-01T10:01:00Z' }] } },
    { name: 'paths into one field are united', fields: 'messages/name,messages/participantRole', expected: { messages: [{ name: 'm2' }, { name: 'm1', participantRole: 'END_USER' }] } },
    { name: 'the whole field wins over a part of it', fields: 'messages/name,messages', expected: { messages: page.messages } },
    { name: 'spaces around names', fields: ' messages( name , content ) , nextPageToken ', expected: { messages: [{ name: 'm2', content: 'two' }, { name: 'm1', content: 'one' }], nextPageToken: 'next' } },
    { name: 'a field no item has selects nothing', fields: 'conversations', expected: {} },
  ];
  it.each(cases)('selects $name', ({ fields, expected }) => {
    expect(select(fields)).toStrictEqual(expected);
  });

  const malformed: Array<{ name: string; fields: string; reason: RegExp }> = [
    { name: 'an empty expression', fields: '', reason: /is empty/ },
    { name: 'an unclosed parenthesis', fields: 'messages(content', reason: /'\)' is expected at character 17/ },
    { name: 'an unmatched closing parenthesis', fields: 'messages)', reason: /an unmatched '\)' at character 9/ },
    { name: 'an empty nested selection', fields: 'messages()', reason: /a field name is expected at character 10/ },
    { name: 'a trailing comma', fields: 'messages,', reason: /a field name is expected/ },
    { name: 'a trailing slash', fields: 'messages/', reason: /a field name is expected/ },
    { name: 'a character no field name has', fields: 'messages;drop', reason: /',' or the end is expected at character 9/ },
    { name: 'a name starting with a digit', fields: '1messages', reason: /a field name is expected at character 1/ },
    { name: 'nesting deeper than any resource', fields: `${'a('.repeat(40)}b${')'.repeat(40)}`, reason: /more than 16 nested selections/ },
    { name: 'a path deeper than any resource', fields: Array.from({ length: 40 }, () => 'a').join('/'), reason: /more than 16 nested selections/ },
  ];
  it.each(malformed)('refuses $name, without quoting it', ({ fields, reason }) => {
    const parsed = parseFieldSelection(fields);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toMatch(reason);
    expect(parsed.message).toMatch(/^(Invalid field selection in the fields parameter|The fields parameter is empty)/);
    if (fields.length > 3) expect(parsed.message).not.toContain(fields);
  });

  it('leaves scalars and arrays of scalars as they are', () => {
    expect(select('a', { a: [1, 2], b: 3 })).toStrictEqual({ a: [1, 2] });
    expect(select('a/b', { a: 'text' })).toStrictEqual({ a: 'text' });
  });
});
