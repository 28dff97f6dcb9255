import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { jsonObject, protoEnum, protoObject, toSnakeCase } from '../../../shared/domain/protoJson';

const Schema = protoObject({
  fooBar: z.optional(z.string()),
  count: z.optional(z.number()),
  nestedThing: z.optional(protoObject({ innerValue: z.optional(z.string()) })),
});

describe('protoObject', () => {
  const accepted = [
    { name: 'renames a snake_case field to its camelCase name', input: { foo_bar: 'x' }, expected: { fooBar: 'x' } },
    { name: 'keeps a camelCase field', input: { fooBar: 'x' }, expected: { fooBar: 'x' } },
    { name: 'accepts both spellings with equal values, keeping one', input: { fooBar: 'x', foo_bar: 'x' }, expected: { fooBar: 'x' } },
    { name: 'accepts both spellings with equal values in the other order', input: { foo_bar: 'x', fooBar: 'x' }, expected: { fooBar: 'x' } },
    {
      name: 'accepts both spellings of an object field with equal values',
      input: { nestedThing: { innerValue: 'v' }, nested_thing: { innerValue: 'v' } },
      expected: { nestedThing: { innerValue: 'v' } },
    },
    { name: 'renames snake_case fields of a nested proto object', input: { nested_thing: { inner_value: 'v' } }, expected: { nestedThing: { innerValue: 'v' } } },
    { name: 'keeps a field whose name has no snake_case spelling', input: { count: 3 }, expected: { count: 3 } },
    { name: 'keeps unknown keys untouched', input: { fooBar: 'x', future_field: 1, Weird: { a: [1] } }, expected: { fooBar: 'x', future_field: 1, Weird: { a: [1] } } },
    { name: 'keeps unknown keys of a nested proto object', input: { nestedThing: { other: true } }, expected: { nestedThing: { other: true } } },
    { name: 'accepts an empty object', input: {}, expected: {} },
  ];
  it.each(accepted)('$name', ({ input, expected }) => {
    const parsed = Schema.safeParse(input);
    expect(parsed.success && parsed.data).toEqual(expected);
  });

  const refused = [
    {
      name: 'refuses both spellings with different values',
      input: { fooBar: 'x', foo_bar: 'y' },
      path: ['fooBar'],
      message: "is given twice with different values, as 'fooBar' and 'foo_bar'",
    },
    {
      name: 'refuses both spellings with different values in a nested object',
      input: { nestedThing: { innerValue: 'a', inner_value: 'b' } },
      path: ['nestedThing', 'innerValue'],
      message: "is given twice with different values, as 'innerValue' and 'inner_value'",
    },
    {
      name: 'refuses both spellings when one value is null',
      input: { fooBar: 'x', foo_bar: null },
      path: ['fooBar'],
      message: "is given twice with different values, as 'fooBar' and 'foo_bar'",
    },
    { name: 'still validates a field given in snake_case', input: { foo_bar: 5 }, path: ['fooBar'], message: undefined },
    { name: 'refuses an array', input: [], path: [], message: undefined },
    { name: 'refuses a string', input: 'x', path: [], message: undefined },
    { name: 'refuses null', input: null, path: [], message: undefined },
  ];
  it.each(refused)('$name', ({ input, path, message }) => {
    const parsed = Schema.safeParse(input);
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues[0];
    expect(issue?.path).toEqual(path);
    if (message !== undefined) expect(issue?.message).toBe(message);
  });
});

describe('toSnakeCase', () => {
  const cases = [
    { name: 'splits camelCase words', input: 'newMessagePayload', expected: 'new_message_payload' },
    { name: 'keeps a single word', input: 'name', expected: 'name' },
    { name: 'splits every capital letter', input: 'aBC', expected: 'a_b_c' },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(toSnakeCase(input)).toBe(expected);
  });
});

describe('protoEnum', () => {
  const cases = [
    { name: 'accepts a name', input: 'END_USER', expected: true },
    { name: 'accepts a number', input: 3, expected: true },
    { name: 'accepts a negative number', input: -1, expected: true },
    { name: 'accepts a 128-character name', input: 'X'.repeat(128), expected: true },
    { name: 'refuses an empty name', input: '', expected: false },
    { name: 'refuses a 129-character name', input: 'X'.repeat(129), expected: false },
    { name: 'refuses a fraction', input: 1.5, expected: false },
    { name: 'refuses a boolean', input: true, expected: false },
    { name: 'refuses null', input: null, expected: false },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(protoEnum.safeParse(input).success).toBe(expected);
  });
});

describe('jsonObject', () => {
  const cases = [
    { name: 'accepts an object', input: { a: 1 }, expected: true },
    { name: 'refuses an array', input: [1], expected: false },
    { name: 'refuses a string', input: 'x', expected: false },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(jsonObject.safeParse(input).success).toBe(expected);
  });
});

describe('protoObject compares the two spellings by value, not key order', () => {
  const Nested = protoObject({ fooBar: z.record(z.string(), z.number()) });
  it('accepts equal objects whose keys come in another order', () => {
    expect(Nested.safeParse({ fooBar: { a: 1, b: 2 }, foo_bar: { b: 2, a: 1 } }).success).toBe(true);
  });
  it('still refuses different objects', () => {
    expect(Nested.safeParse({ fooBar: { a: 1 }, foo_bar: { a: 2 } }).success).toBe(false);
  });
});
