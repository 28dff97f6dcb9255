/**
 * Runs `work` on the items of `items` with at most `concurrency` at once, taking the next item only while
 * `keepTaking()` says so; items not taken are left where they are (in a queue, still due). Every started item
 * is finished before it returns, so that a stop at any point leaves nothing half done; the first error thrown
 * by `work` stops the taking and is thrown once the others have finished. Returns the most that ran at once.
 */
export async function forEachConcurrently<T>(items: AsyncIterable<T>, concurrency: number, keepTaking: () => boolean, work: (item: T) => Promise<void>): Promise<{ maxInFlight: number; exhausted: boolean }> {
  const iterator = items[Symbol.asyncIterator]();
  let inFlight = 0;
  let maxInFlight = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  async function worker(): Promise<void> {
    while (!failure && !exhausted && keepTaking()) {
      // An async generator queues concurrent next() calls, so each item goes to one worker.
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await work(next.value);
      } catch (error) {
        failure ??= { error };
      } finally {
        inFlight -= 1;
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    if (!exhausted) await iterator.return?.();
  }
  if (failure) throw failure.error;
  return { maxInFlight, exhausted };
}
