import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FilterSyntaxError, MAX_FILTER_LENGTH, parseFilter, type Comparison } from '../../../../shared/domain/history/filterGrammar';

const str = (field: string, operator: Comparison['operator'], text: string): Comparison => ({ field, operator, value: { kind: 'string', text } });
const num = (field: string, operator: Comparison['operator'], text: string): Comparison => ({ field, operator, value: { kind: 'number', text } });
const ident = (field: string, operator: Comparison['operator'], text: string): Comparison => ({
  field,
  operator,
  value: { kind: 'identifier', text },
});

function refusal(filter: string): FilterSyntaxError {
  try {
    parseFilter(filter);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return error;
    throw error;
  }
  throw new Error(`parseFilter accepted ${JSON.stringify(filter)}`);
}

const nested = (depth: number) => `${'('.repeat(depth)}a = 1${')'.repeat(depth)}`;

describe('parseFilter', () => {
  const accepted: Array<{ name: string; input: string; expected: Comparison[] }> = [
    { name: 'an empty filter means no conditions', input: '', expected: [] },
    { name: 'a whitespace-only filter means no conditions', input: '  \t\n ', expected: [] },
    { name: 'a single comparison with a double-quoted string', input: 'start_time > "2026-01-01T00:00:00Z"', expected: [str('start_time', '>', '2026-01-01T00:00:00Z')] },
    { name: 'a single-quoted string is a string', input: "start_time >= '2026-01-01T00:00:00Z'", expected: [str('start_time', '>=', '2026-01-01T00:00:00Z')] },
    { name: 'comparisons joined by AND are all kept in order', input: 'a = 1 AND b != 2', expected: [num('a', '=', '1'), num('b', '!=', '2')] },
    { name: 'juxtaposed comparisons mean AND', input: 'a < 1 b <= 2   c >= 3', expected: [num('a', '<', '1'), num('b', '<=', '2'), num('c', '>=', '3')] },
    { name: 'operators need no surrounding spaces', input: 'a>=1 AND b<="x"', expected: [num('a', '>=', '1'), str('b', '<=', 'x')] },
    { name: 'parentheses group comparisons', input: '(a = 1 AND b = 2) AND c = 3', expected: [num('a', '=', '1'), num('b', '=', '2'), num('c', '=', '3')] },
    { name: 'nested parentheses flatten to the list of comparisons', input: '((a = 1) (b = 2 AND (c = 3)))', expected: [num('a', '=', '1'), num('b', '=', '2'), num('c', '=', '3')] },
    { name: 'parentheses nested 16 deep are accepted', input: nested(16), expected: [num('a', '=', '1')] },
    { name: 'an escaped double quote inside a double-quoted string', input: String.raw`a = "say \"hi\""`, expected: [str('a', '=', 'say "hi"')] },
    { name: 'an escaped single quote inside a single-quoted string', input: String.raw`a = 'it\'s'`, expected: [str('a', '=', "it's")] },
    { name: 'an escaped backslash is one backslash', input: String.raw`a = "back\\slash"`, expected: [str('a', '=', String.raw`back\slash`)] },
    { name: 'the other quote needs no escape inside a string', input: `a = "it's" AND b = 'say "x"'`, expected: [str('a', '=', "it's"), str('b', '=', 'say "x"')] },
    { name: 'an empty string is a string', input: 'a = ""', expected: [str('a', '=', '')] },
    { name: 'AND inside a string is text', input: 'a = "x OR y AND NOT z"', expected: [str('a', '=', 'x OR y AND NOT z')] },
    { name: 'a whole number', input: 'create_time_epoch_microseconds > 1700000000000000', expected: [num('create_time_epoch_microseconds', '>', '1700000000000000')] },
    { name: 'a negative number', input: 'a > -5', expected: [num('a', '>', '-5')] },
    { name: 'a decimal number', input: 'a < 1.5', expected: [num('a', '<', '1.5')] },
    { name: 'a negative decimal number', input: 'a < -0.25', expected: [num('a', '<', '-0.25')] },
    { name: 'an identifier as value', input: 'lifecycle_state = COMPLETED', expected: [ident('lifecycle_state', '=', 'COMPLETED')] },
    { name: 'an identifier with an underscore as value', input: 'lifecycle_state != IN_PROGRESS', expected: [ident('lifecycle_state', '!=', 'IN_PROGRESS')] },
    { name: 'a dotted field name', input: 'a.b.c = 1', expected: [num('a.b.c', '=', '1')] },
    { name: 'a dotted field name with spaces around the dots', input: 'a . b = "x"', expected: [str('a.b', '=', 'x')] },
    { name: 'lower-case and is no keyword but an identifier value', input: 'a = and', expected: [ident('a', '=', 'and')] },
    { name: 'a filter of exactly the maximum length is parsed', input: `a = "${'x'.repeat(MAX_FILTER_LENGTH - 6)}"`, expected: [str('a', '=', 'x'.repeat(MAX_FILTER_LENGTH - 6))] },
  ];

  const alternatives: Array<{ name: string; input: string; expected: unknown }> = [
    { name: 'OR joins alternatives', input: 'a = 1 OR b = 2', expected: { and: [{ or: [num('a', '=', '1'), num('b', '=', '2')] }] } },
    { name: 'OR binds tighter than AND, as AIP-160 says', input: 'a = 1 AND b = 2 OR c = 3', expected: { and: [num('a', '=', '1'), { or: [num('b', '=', '2'), num('c', '=', '3')] }] } },
    { name: 'OR binds tighter than juxtaposition', input: 'a = 1 OR b = 2 c = 3', expected: { and: [{ or: [num('a', '=', '1'), num('b', '=', '2')] }, num('c', '=', '3')] } },
    { name: 'parentheses group an AND as one alternative', input: '(a = 1 AND b = 2) OR c = 3', expected: { and: [{ or: [{ and: [num('a', '=', '1'), num('b', '=', '2')] }, num('c', '=', '3')] }] } },
    { name: 'nested ORs flatten', input: '(a = 1 OR b = 2) OR c = 3', expected: { and: [{ or: [num('a', '=', '1'), num('b', '=', '2'), num('c', '=', '3')] }] } },
    { name: 'an unquoted RFC 3339 timestamp, as the v2 proto writes it', input: 'create_time > 2017-01-15T01:30:15.01Z', expected: { and: [str('create_time', '>', '2017-01-15T01:30:15.01Z')] } },
    { name: 'an unquoted timestamp with an offset', input: 'start_time<=2026-01-01T10:00:00+02:00 AND a = 1', expected: { and: [str('start_time', '<=', '2026-01-01T10:00:00+02:00'), num('a', '=', '1')] } },
  ];

  it.each(alternatives)('$name', ({ input, expected }) => {
    expect(parseFilter(input)).toEqual(expected);
  });

  it.each(accepted)('$name', ({ input, expected }) => {
    expect(parseFilter(input)).toEqual({ and: expected });
  });

  const refused: Array<{ name: string; input: string; expected: RegExp }> = [
    { name: 'OR with nothing before it', input: 'OR a = 1', expected: /Expected a field name at position 1, found 'OR'/ },
    { name: 'OR with nothing after it', input: 'a = 1 OR', expected: /ends where a comparison was expected/ },
    { name: 'AND OR', input: 'a = 1 AND OR b = 2', expected: /Expected a field name at position 11, found 'OR'/ },
    { name: 'NOT is refused as negation', input: 'NOT a = 1', expected: /Negation \(NOT\) is not supported/ },
    { name: 'NOT after AND is refused as negation', input: 'a = 1 AND NOT b = 2', expected: /Negation \(NOT\) is not supported/ },
    { name: 'a leading minus is refused as negation', input: '-a = 1', expected: /Negation \(-\) is not supported/ },
    { name: 'a minus before a parenthesis is refused as negation', input: '-(a = 1)', expected: /Negation \(-\) is not supported/ },
    { name: "the has operator ':' is refused by name", input: 'a:b', expected: /has operator ':' is not supported \(after 'a'\)/ },
    { name: 'an unterminated double-quoted string', input: 'a = "abc', expected: /Unterminated string starting at position 5/ },
    { name: 'an unterminated single-quoted string', input: "a = 'abc", expected: /Unterminated string starting at position 5/ },
    { name: 'a string ending in a lone backslash is unterminated', input: 'a = "abc\\', expected: /Unterminated string/ },
    { name: 'an escaped closing quote leaves the string unterminated', input: 'a = "abc\\"', expected: /Unterminated string/ },
    { name: 'an unclosed parenthesis', input: '(a = 1', expected: /ends where '\)' was expected/ },
    { name: 'an extra closing parenthesis', input: 'a = 1)', expected: /Expected the end of the filter at position 6, found '\)'/ },
    { name: 'a lone closing parenthesis', input: ')', expected: /Expected a field name at position 1, found '\)'/ },
    { name: 'empty parentheses', input: '()', expected: /Expected a field name at position 2, found '\)'/ },
    { name: 'a trailing AND', input: 'a = 1 AND', expected: /ends where a comparison was expected/ },
    { name: 'a leading AND', input: 'AND a = 1', expected: /Expected a field name at position 1, found 'AND'/ },
    { name: 'a trailing operator without a value', input: 'a =', expected: /ends where a value after 'a =' was expected/ },
    { name: 'a field without an operator', input: 'a', expected: /ends where an operator after 'a' was expected/ },
    { name: 'a field followed by a value instead of an operator', input: 'a 1', expected: /Expected an operator after 'a' at position 3, found '1'/ },
    { name: 'two operators in a row', input: 'a = = 1', expected: /Expected a value after 'a =' at position 5, found '='/ },
    { name: 'a string where a field name belongs', input: '"a" = 1', expected: /Expected a field name at position 1, found "a"/ },
    { name: 'a number where a field name belongs', input: '1 = a', expected: /Expected a field name at position 1, found '1'/ },
    { name: 'a field name ending in a dot', input: 'a. = 1', expected: /Expected a field name after "." at position 4, found '='/ },
    { name: 'an unexpected character', input: 'a = 1 & b = 2', expected: /Unexpected character '&' at position 7/ },
    { name: 'a non-ASCII character outside a string', input: 'é = 1', expected: /Unexpected character 'é' at position 1/ },
    { name: 'a function call', input: 'f(a) = 1', expected: /Expected an operator after 'f' at position 2, found '\('/ },
    { name: 'a wildcard value', input: 'a = *', expected: /Expected a value after 'a =' at position 5, found '\*'/ },
    { name: 'a comma', input: 'a = 1, b = 2', expected: /Expected .* at position 6, found ','/ },
    { name: 'parentheses nested 17 deep', input: nested(17), expected: /nested deeper than 16 levels/ },
    { name: 'deep nesting within the length limit fails on depth, not the stack', input: '('.repeat(999) + 'a=1' + ')'.repeat(998), expected: /nested deeper than 16 levels/ },
    { name: 'a filter one character over the maximum length', input: `a = "${'x'.repeat(MAX_FILTER_LENGTH - 5)}"`, expected: /2001 characters long; at most 2000 are accepted/ },
    { name: 'a very long filter is refused before parsing', input: '('.repeat(100_000), expected: /100000 characters long/ },
  ];

  it.each(refused)('refuses $name', ({ input, expected }) => {
    const error = refusal(input);
    expect(error).toBeInstanceOf(FilterSyntaxError);
    expect(error.name).toBe('FilterSyntaxError');
    expect(error.message).toMatch(expected);
  });

  const onlySyntaxErrors = (filter: string) => {
    try {
      const expression = parseFilter(filter);
      expect(Array.isArray(expression.and)).toBe(true);
    } catch (error) {
      expect(error).toBeInstanceOf(FilterSyntaxError);
    }
  };

  it('throws nothing but FilterSyntaxError for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), onlySyntaxErrors), { numRuns: 2000 });
  });

  it('throws nothing but FilterSyntaxError for arbitrary Unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), onlySyntaxErrors), { numRuns: 2000 });
  });

  it('throws nothing but FilterSyntaxError for arbitrary UTF-16 code units, lone surrogates included', () => {
    const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    fc.assert(fc.property(fc.string({ unit: codeUnit, maxLength: 200 }), onlySyntaxErrors), { numRuns: 2000 });
  });

  it('throws nothing but FilterSyntaxError for strings made of filter tokens', () => {
    const token = fc.constantFrom('a', 'b.c', '=', '!=', '<', '<=', '>', '>=', '(', ')', 'AND', 'OR', 'NOT', '-', ':', '"x"', "'y'", '"', '1', '-2', '.', ' ', '\\');
    fc.assert(fc.property(fc.array(token, { maxLength: 40 }), (tokens) => onlySyntaxErrors(tokens.join(''))), { numRuns: 2000 });
  });

  it('parses any AND-joined list of well-formed comparisons back to the same list', () => {
    const field = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/).filter((name) => !['AND', 'OR', 'NOT'].includes(name));
    const operator = fc.constantFrom<Comparison['operator']>('=', '!=', '<', '<=', '>', '>=');
    const text = fc.string({ maxLength: 12 });
    const comparison = fc.record({ field, operator, text });
    fc.assert(
      fc.property(fc.array(comparison, { minLength: 1, maxLength: 6 }), (items) => {
        const escape = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
        const filter = items.map(({ field: f, operator: o, text: t }) => `${f} ${o} "${escape(t)}"`).join(' AND ');
        expect(parseFilter(filter)).toEqual({ and: items.map(({ field: f, operator: o, text: t }) => str(f, o, t)) });
      }),
    );
  });
});
