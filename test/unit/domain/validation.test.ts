import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { UNKNOWN_KEY, createPathDescriber, describeIssues } from '../../../shared/domain/validation';

/**
 * zod reports the offending value of a type mismatch only when asked
 * (`reportInput`); these cases ask, so that the sentence can name its type.
 */
const issuesOf = (schema: z.ZodType, input: unknown, reportInput = false): string => {
  const parsed = schema.safeParse(input, { reportInput });
  if (parsed.success) throw new Error('expected the input to be refused');
  return describeIssues(parsed.error);
};

describe('describeIssues', () => {
  const cases = [
    { name: 'says a missing field is required', schema: z.object({ name: z.string() }), input: {}, expected: "Field 'name' is required" },
    { name: 'says a missing value is required', schema: z.string(), input: undefined, expected: 'The value is required' },
    {
      name: 'names the expected and received types of a mismatch',
      schema: z.object({ name: z.string() }),
      input: { name: 5 },
      reportInput: true,
      expected: "Field 'name' must be a string, got number",
    },
    {
      name: 'uses "an" before a vowel and says "array" for an array',
      schema: z.object({ status: z.object({}) }),
      input: { status: [] },
      reportInput: true,
      expected: "Field 'status' must be an object, got array",
    },
    { name: 'says null for a null value', schema: z.string(), input: null, reportInput: true, expected: 'The value must be a string, got null' },
    {
      name: 'joins a nested path with dots, array indexes included',
      schema: z.object({ newMessagePayload: z.object({ parts: z.array(z.string()) }) }),
      input: { newMessagePayload: { parts: ['a', 7] } },
      reportInput: true,
      expected: "Field 'newMessagePayload.parts.1' must be a string, got number",
    },
    { name: 'gives the maximum of a value too large', schema: z.object({ t: z.string().max(3) }), input: { t: 'abcd' }, expected: "Field 't' is too large (at most 3)" },
    { name: 'gives the minimum of a value too small', schema: z.object({ n: z.number().min(0) }), input: { n: -1 }, expected: "Field 'n' is too small (at least 0)" },
    { name: 'counts unexpected keys without quoting them (a caller writes keys)', schema: z.strictObject({ a: z.string() }), input: { a: 'x', b: 1, c: 2 }, expected: 'The value has 2 unexpected keys' },
    {
      name: 'keeps a custom message after the field name',
      schema: z.object({ id: z.string().regex(/^x$/, 'must be x') }),
      input: { id: 'y' },
      expected: "Field 'id': must be x",
    },
    {
      name: 'joins several issues with semicolons',
      schema: z.object({ a: z.string(), b: z.string().max(1) }),
      input: { b: 'long' },
      expected: "Field 'a' is required; Field 'b' is too large (at most 1)",
    },
  ];
  it.each(cases)('$name', ({ schema, input, reportInput, expected }) => {
    expect(issuesOf(schema, input, reportInput)).toBe(expected);
  });

  it('never quotes the refused value', () => {
    const text = issuesOf(
      z.object({ a: z.number(), b: z.string().max(2), c: z.enum(['X']), d: z.string().regex(/^\d+$/) }),
      { a: 'SECRET-1', b: 'SECRET-2', c: 'SECRET-3', d: 'SECRET-4' },
      true,
    );
    expect(text).not.toMatch(/SECRET/);
  });
});

describe('createPathDescriber', () => {
  const schema = z.object({ newMessagePayload: z.optional(z.object({ parts: z.array(z.object({ text: z.string() })) })), attributes: z.record(z.string(), z.string()) });
  const describePath = createPathDescriber(schema);
  const cases = [
    { name: 'spells the keys the schema names, and indexes in brackets', path: ['newMessagePayload', 'parts', 3, 'text'], expected: 'newMessagePayload.parts[3].text' },
    { name: 'accepts the snake_case spelling of a known key', path: ['new_message_payload'], expected: 'new_message_payload' },
    { name: 'stands in for a key the schema does not name', path: ['attributes', 'my e-mail is a@b.c'], expected: `attributes.${UNKNOWN_KEY}` },
    { name: 'stands in for an unknown key at the top', path: ['\u202eevil', 0], expected: `${UNKNOWN_KEY}[0]` },
  ];
  it.each(cases)('$name', ({ path, expected }) => {
    expect(describePath(path)).toBe(expected);
  });

  it('keeps the text of unknown keys out of the sentences about them', () => {
    const parsed = schema.safeParse({ attributes: { 'SECRET-KEY': 5 } }, { reportInput: true });
    expect(parsed.success).toBe(false);
    expect(describeIssues(parsed.error!, describePath)).toBe(`Field 'attributes.${UNKNOWN_KEY}' must be a string, got number`);
  });
});
