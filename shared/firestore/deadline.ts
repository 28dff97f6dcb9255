import { TransientError } from '../platform/errors';

/**
 * gRPC status codes that mean "try again later". Anything else (invalid
 * argument, permission denied) is a bug or a misconfiguration and is
 * rethrown as is.
 */
const TRANSIENT_GRPC_CODES = new Set([
  1, // CANCELLED
  2, // UNKNOWN
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  10, // ABORTED
  13, // INTERNAL
  14, // UNAVAILABLE
]);

export const ALREADY_EXISTS = 6;

export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Runs one Firestore operation with a deadline. The client would otherwise
 * wait forever on a store that accepts connections but never answers, and a
 * push request must be answered (non-2xx) before Pub/Sub's ack deadline.
 */
export async function withDeadline<T>(operation: string, deadlineMs: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransientError(`Firestore did not answer ${operation} within ${deadlineMs} ms`, 4)),
      deadlineMs,
    );
  });
  const attempt = run();
  // The abandoned call may still settle later; its outcome no longer matters.
  attempt.catch(() => undefined);
  try {
    return await Promise.race([attempt, timeout]);
  } catch (error) {
    const code = grpcCode(error);
    if (code !== undefined && TRANSIENT_GRPC_CODES.has(code)) {
      throw new TransientError(`Firestore ${operation} failed: ${(error as Error).message.slice(0, 300)}`, code, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
