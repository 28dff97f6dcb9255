export interface BoundedSetOptions {
  /** Entries kept at most; beyond it, the least recently used is forgotten. */
  capacity: number;
  /** An entry older than this (since it was added) counts as absent: the caller checks again and adds it again. */
  maxAgeMs?: number;
  /** Milliseconds of a monotonic clock (tests pass their own). */
  now?: () => number;
}

/**
 * A set for per-instance caches: least recently used entries go first beyond `capacity` (a lookup that finds an
 * entry makes it the most recent), and an entry older than `maxAgeMs` is forgotten when looked up.
 * A Map keeps insertion order, so its first key is the least recently used.
 */
export function createBoundedSet(options: BoundedSetOptions | number) {
  const { capacity, maxAgeMs = Infinity, now = () => performance.now() } = typeof options === 'number' ? { capacity: options } : options;
  const addedAt = new Map<string, number>();
  /** 'fresh' (and now the most recently used), 'stale' (older than maxAgeMs: forgotten now) or 'absent'. */
  function lookup(key: string): 'fresh' | 'stale' | 'absent' {
    const added = addedAt.get(key);
    if (added === undefined) return 'absent';
    addedAt.delete(key);
    if (now() - added > maxAgeMs) return 'stale';
    addedAt.set(key, added);
    return 'fresh';
  }
  return {
    lookup,
    has: (key: string): boolean => lookup(key) === 'fresh',
    add(key: string): void {
      addedAt.delete(key);
      addedAt.set(key, now());
      if (addedAt.size > capacity) addedAt.delete(addedAt.keys().next().value!);
    },
    get size() {
      return addedAt.size;
    },
  };
}
