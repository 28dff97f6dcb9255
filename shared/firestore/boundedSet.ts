/** A set that forgets its oldest entries beyond `capacity` (insertion order), for per-instance caches. */
export function createBoundedSet(capacity: number) {
  const entries = new Set<string>();
  return {
    has: (key: string) => entries.has(key),
    add(key: string) {
      entries.delete(key);
      entries.add(key);
      if (entries.size > capacity) entries.delete(entries.values().next().value!);
    },
  };
}
