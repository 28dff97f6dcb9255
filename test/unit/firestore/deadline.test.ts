import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALREADY_EXISTS, grpcCode, withDeadline } from '../../../shared/firestore/deadline';
import { TransientError } from '../../../shared/platform/errors';

const grpcError = (code: number, message = `grpc error ${code}`) => Object.assign(new Error(message), { code });
const never = () => new Promise<never>(() => undefined);

describe('withDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the value of an operation that answers in time', async () => {
    await expect(withDeadline('read', 1000, async () => 'value')).resolves.toBe('value');
  });

  it('clears its timer once the operation answered', async () => {
    await withDeadline('read', 1000, async () => 1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out with a TransientError of code 4 (DEADLINE_EXCEEDED)', async () => {
    const result = withDeadline('commit', 250, never);
    const outcome = expect(result).rejects.toSatisfy(
      (error) => error instanceof TransientError && error.grpcCode === 4 && error.message === 'Firestore did not answer commit within 250 ms',
    );
    await vi.advanceTimersByTimeAsync(250);
    await outcome;
  });

  it('does not time out before the deadline', async () => {
    let settled = false;
    const slow = new Promise<string>((resolve) => setTimeout(() => resolve('late but in time'), 240));
    const result = withDeadline('read', 250, () => slow).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(239);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('late but in time');
  });

  const transient = [1, 2, 4, 8, 10, 13, 14].map((code) => ({ name: `turns gRPC code ${code} into a TransientError`, code }));
  it.each(transient)('$name', async ({ code }) => {
    const original = grpcError(code, 'connection reset');
    const error = await withDeadline('read', 1000, async () => Promise.reject(original)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ grpcCode: code, cause: original, message: 'Firestore read failed: connection reset' });
  });

  const permanent = [
    { name: 'rethrows gRPC code 3 (INVALID_ARGUMENT) untouched', error: grpcError(3) },
    { name: 'rethrows gRPC code 5 (NOT_FOUND) untouched', error: grpcError(5) },
    { name: 'rethrows gRPC code 6 (ALREADY_EXISTS) untouched', error: grpcError(ALREADY_EXISTS) },
    { name: 'rethrows gRPC code 7 (PERMISSION_DENIED) untouched', error: grpcError(7) },
    { name: 'rethrows gRPC code 9 (FAILED_PRECONDITION) untouched', error: grpcError(9) },
    { name: 'rethrows gRPC code 16 (UNAUTHENTICATED) untouched', error: grpcError(16) },
    { name: 'rethrows an error without code untouched', error: new Error('bug') },
    { name: 'rethrows an error with a string code untouched', error: Object.assign(new Error('x'), { code: 'UNAVAILABLE' }) },
  ];
  it.each(permanent)('$name', async ({ error }) => {
    await expect(withDeadline('read', 1000, async () => Promise.reject(error))).rejects.toBe(error);
  });

  it('cuts the message of a long gRPC error', async () => {
    const error = await withDeadline('read', 1000, async () => Promise.reject(grpcError(14, 'x'.repeat(1000)))).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`Firestore read failed: ${'x'.repeat(300)}`);
  });
});

describe('grpcCode', () => {
  const cases = [
    { name: 'reads a numeric code', input: grpcError(14), expected: 14 },
    { name: 'ignores a string code', input: { code: '14' }, expected: undefined },
    { name: 'gives nothing for an error without code', input: new Error('x'), expected: undefined },
    { name: 'gives nothing for null', input: null, expected: undefined },
    { name: 'gives nothing for undefined', input: undefined, expected: undefined },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(grpcCode(input)).toBe(expected);
  });
});
