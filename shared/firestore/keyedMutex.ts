/**
 * Runs tasks with the same key one after another within this process.
 *
 * Firestore's transactions already serialize writers across instances (with
 * retries on contention); queueing same-conversation updates inside one
 * instance avoids those retries, and keeps stores with weaker transaction
 * isolation (the embedded emulator) correct under concurrent deliveries.
 */
export function createKeyedMutex() {
  const tails = new Map<string, Promise<unknown>>();
  return async function runExclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
