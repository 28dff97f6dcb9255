import { describe, expect, it } from 'vitest';
import { TransientError, describeError, isTransientError } from '../../../shared/platform/errors';

describe('TransientError', () => {
  it('carries its name, gRPC code and cause', () => {
    const cause = new Error('unavailable');
    const error = new TransientError('Firestore is down', 14, { cause });
    expect(error).toMatchObject({ name: 'TransientError', message: 'Firestore is down', grpcCode: 14, cause });
    expect(error).toBeInstanceOf(Error);
  });

  const cases = [
    { name: 'recognizes a TransientError', input: new TransientError('x'), expected: true },
    { name: 'does not recognize a plain Error', input: new Error('x'), expected: false },
    { name: 'does not recognize an error merely named TransientError', input: Object.assign(new Error('x'), { name: 'TransientError' }), expected: false },
    { name: 'does not recognize a string', input: 'TransientError', expected: false },
    { name: 'does not recognize null', input: null, expected: false },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(isTransientError(input)).toBe(expected);
  });
});

describe('describeError', () => {
  it('gives name, message and code of an error with up to 8 lines of stack', () => {
    const error = Object.assign(new Error('permission denied'), { code: 7 });
    const described = describeError(error);
    expect(described).toMatchObject({ errorName: 'Error', errorMessage: 'permission denied', errorCode: 7 });
    expect(String(described['stack']).split('\n').length).toBeLessThanOrEqual(8);
    expect(String(described['stack'])).toMatch(/^Error: permission denied/);
  });

  it('gives no stack for a transient error', () => {
    expect(describeError(new TransientError('slow', 4))).toEqual({ errorName: 'TransientError', errorMessage: 'slow' });
  });

  it('cuts a long message to 500 characters', () => {
    expect(describeError(new TransientError('x'.repeat(600)))['errorMessage']).toHaveLength(500);
  });

  const others = [
    { name: 'describes a thrown string by its type', input: 'boom', expected: { errorName: 'string', errorMessage: 'boom' } },
    { name: 'describes a thrown undefined', input: undefined, expected: { errorName: 'undefined', errorMessage: 'undefined' } },
    { name: 'cuts a thrown string to 200 characters', input: 'y'.repeat(300), expected: { errorName: 'string', errorMessage: 'y'.repeat(200) } },
  ];
  it.each(others)('$name', ({ input, expected }) => {
    expect(describeError(input)).toEqual(expected);
  });
});
