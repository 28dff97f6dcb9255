/**
 * Failures that are nobody's fault and go away: the store is unreachable,
 * overloaded or too slow. Answered 503 so that the caller (Pub/Sub) retries.
 */
export class TransientError extends Error {
  override name = 'TransientError';
  constructor(
    message: string,
    readonly grpcCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isTransientError(error: unknown): error is TransientError {
  return error instanceof TransientError;
}

/** What may be logged of an error: its kind, code and message, never a payload. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      errorName: error.name,
      errorMessage: error.message.slice(0, 500),
      ...(code !== undefined ? { errorCode: code } : {}),
      ...(error instanceof TransientError ? {} : { stack: error.stack?.split('\n').slice(0, 8).join('\n') }),
    };
  }
  return { errorName: typeof error, errorMessage: String(error).slice(0, 200) };
}
