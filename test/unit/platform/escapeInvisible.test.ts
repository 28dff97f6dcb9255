import { describe, expect, it } from 'vitest';
import { googleError } from '../../../shared/http/googleErrors';
import { escapeInvisible } from '../../../shared/platform/escapeInvisible';
import { createLogger } from '../../../shared/platform/logger';

describe('escapeInvisible', () => {
  const cases = [
    { name: 'leaves ordinary text as it is', input: 'projects/p/conversations/C1 é 😀', expected: 'projects/p/conversations/C1 é 😀' },
    { name: 'writes a right-to-left override visibly', input: 'C\u202etxt.exe', expected: 'C\\u202etxt.exe' },
    { name: 'writes every bidi embedding, override and isolate', input: '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069', expected: '\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069' },
    { name: 'writes the left-to-right and right-to-left marks and the Arabic letter mark', input: '\u200e\u200f\u061c', expected: '\\u200e\\u200f\\u061c' },
    { name: 'writes C0 controls, newlines included, DEL and C1 controls', input: 'a\u0000b\nc\u001bd\u007fe\u0085f\u009f', expected: 'a\\u0000b\\u000ac\\u001bd\\u007fe\\u0085f\\u009f' },
    { name: 'writes the Unicode line and paragraph separators', input: 'a\u2028b\u2029', expected: 'a\\u2028b\\u2029' },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(escapeInvisible(input)).toBe(expected);
  });

  it('keeps newlines when asked (our own stack traces), and nothing else', () => {
    expect(escapeInvisible('Error: x\n    at f\u202e', true)).toBe('Error: x\n    at f\\u202e');
  });
});

describe('what is echoed from a request', () => {
  it('escapes a Google error message', () => {
    expect(googleError(404, 'Conversation projects/p/conversations/C\u202ex not found').error.message).toBe('Conversation projects/p/conversations/C\\u202ex not found');
  });

  it('escapes log messages and fields at any depth, and keeps the lines of a stack', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'DEBUG', projectId: undefined, write: (line) => lines.push(line) });
    logger.log('WARNING', 'test.event', 'Refused /v2/\u202ex', { reason: 'path \u2066x\u2069', nested: { list: ['\u0085'] }, stack: 'Error\n  at \u202e', count: 3 });
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ message: 'Refused /v2/\\u202ex', reason: 'path \\u2066x\\u2069', nested: { list: ['\\u0085'] }, stack: 'Error\n  at \\u202e', count: 3 });
  });
});
