import { describe, expect, it } from 'vitest';
import type { IngestOutcome } from '../../../shared/domain/outcomes';
import { statusForFailure, statusForOutcome } from '../../../shared/http/statusForOutcome';
import { TransientError } from '../../../shared/platform/errors';

describe('statusForOutcome', () => {
  const outcomes: Array<{ name: string; outcome: IngestOutcome }> = [
    { name: 'acknowledges a stored delivery with 200', outcome: { outcome: 'stored', facts: {} } },
    { name: 'acknowledges a duplicate delivery with 200', outcome: { outcome: 'duplicate', facts: {} } },
    {
      name: 'acknowledges a quarantined delivery with 200 so that Pub/Sub does not retry it',
      outcome: { outcome: 'rejected', facts: {}, rejection: { code: 'data_not_json', reason: 'x' }, quarantineId: 'q1' },
    },
  ];
  it.each(outcomes)('$name', ({ outcome }) => {
    expect(statusForOutcome(outcome)).toBe(200);
  });
});

describe('statusForFailure', () => {
  const cases = [
    { name: 'answers a TransientError with 503', error: new TransientError('slow', 4), expected: 503 },
    { name: 'answers an error caused by a TransientError with 503', error: new Error('write failed', { cause: new TransientError('slow') }), expected: 503 },
    { name: 'answers a TransientError that has a cause of its own with 503', error: new TransientError('unavailable', 14, { cause: new Error('grpc') }), expected: 503 },
    { name: 'answers a plain error with 500', error: new Error('bug'), expected: 500 },
    { name: 'answers an error with a plain cause with 500', error: new Error('bug', { cause: new Error('deeper') }), expected: 500 },
    { name: 'answers an error merely named TransientError with 500', error: Object.assign(new Error('x'), { name: 'TransientError' }), expected: 500 },
    { name: 'answers a gRPC-looking object with 500', error: { code: 14, message: 'unavailable' }, expected: 500 },
    { name: 'answers a thrown string with 500', error: 'boom', expected: 500 },
    { name: 'answers a thrown null with 500', error: null, expected: 500 },
    { name: 'answers a thrown undefined with 500', error: undefined, expected: 500 },
  ];
  it.each(cases)('$name', ({ error, expected }) => {
    expect(statusForFailure(error)).toBe(expected);
  });
});
