import { describe, expect, it } from 'vitest';
import { createBoundedSet } from '../../../shared/firestore/boundedSet';

describe('createBoundedSet', () => {
  const cases = [
    { name: 'keeps everything up to its capacity', capacity: 3, added: ['a', 'b', 'c'], present: ['a', 'b', 'c'], absent: [] as string[] },
    { name: 'forgets the oldest entry beyond its capacity', capacity: 3, added: ['a', 'b', 'c', 'd'], present: ['b', 'c', 'd'], absent: ['a'] },
    { name: 'forgets the oldest entries one by one', capacity: 2, added: ['a', 'b', 'c', 'd', 'e'], present: ['d', 'e'], absent: ['a', 'b', 'c'] },
    { name: 'treats a re-added entry as the newest', capacity: 2, added: ['a', 'b', 'a', 'c'], present: ['a', 'c'], absent: ['b'] },
    { name: 'does not grow when the same entry is added again', capacity: 2, added: ['a', 'b', 'b', 'b'], present: ['a', 'b'], absent: [] as string[] },
    { name: 'knows nothing it was not given', capacity: 2, added: [] as string[], present: [] as string[], absent: ['a'] },
  ];
  it.each(cases)('$name', ({ capacity, added, present, absent }) => {
    const set = createBoundedSet(capacity);
    for (const key of added) set.add(key);
    for (const key of present) expect(set.has(key), `has ${key}`).toBe(true);
    for (const key of absent) expect(set.has(key), `has ${key}`).toBe(false);
  });

  it('forgets the least recently used entry, not the oldest added: a lookup keeps an entry', () => {
    const set = createBoundedSet(2);
    set.add('a');
    set.add('b');
    expect(set.has('a')).toBe(true);
    set.add('c');
    expect([set.has('a'), set.has('b'), set.has('c')]).toEqual([true, false, true]);
  });

  it('counts an entry older than maxAgeMs as absent, however often it was used, until it is added again', () => {
    let clock = 0;
    const set = createBoundedSet({ capacity: 10, maxAgeMs: 100, now: () => clock });
    set.add('a');
    clock = 100;
    expect(set.has('a')).toBe(true);
    clock = 101;
    expect(set.has('a')).toBe(false);
    expect(set.size).toBe(0);
    set.add('a');
    clock = 150;
    expect(set.has('a')).toBe(true);
  });

  it('keeps exactly the last `capacity` distinct entries of a long sequence', () => {
    const set = createBoundedSet(100);
    for (let i = 0; i < 1000; i++) set.add(`k${i}`);
    const kept = Array.from({ length: 1000 }, (_, i) => `k${i}`).filter((key) => set.has(key));
    expect(kept).toEqual(Array.from({ length: 100 }, (_, i) => `k${900 + i}`));
  });
});
