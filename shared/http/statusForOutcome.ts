import type { IngestOutcome } from '../domain/outcomes';
import { isTransientError } from '../platform/errors';

/**
 * The one place that decides what Pub/Sub is told. Any 2xx acknowledges
 * the delivery; anything else makes Pub/Sub deliver it again with backoff
 * and, after the subscription's maximum attempts, dead-letter it.
 *
 * | outcome                                 | status | Pub/Sub              |
 * |-----------------------------------------|--------|----------------------|
 * | stored, duplicate                       | 200    | acknowledges         |
 * | rejected (quarantined first)            | 200    | acknowledges         |
 * | store unavailable or too slow           | 503    | redelivers           |
 * | unexpected failure (a bug, permissions) | 500    | redelivers, then DLQ |
 */
export function statusForOutcome(_outcome: IngestOutcome): 200 {
  return 200;
}

export function statusForFailure(error: unknown): 500 | 503 {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  return isTransientError(cause) || isTransientError(error) ? 503 : 500;
}
