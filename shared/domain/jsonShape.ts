/**
 * Structural checks on parsed JSON before any schema sees it.
 *
 * JSON.parse turns a `__proto__` key into an ordinary own property, but
 * every later copy (zod included) silently drops it or, worse, assigns it
 * to a prototype. Rather than lose data quietly, such a payload is refused
 * with its reason. Depth is bounded so that no recursive walk can overflow
 * the stack.
 */

export const MAX_JSON_DEPTH = 64;

export function findJsonShapeProblem(root: unknown): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return `the JSON is nested deeper than ${MAX_JSON_DEPTH} levels (at '${path}')`;
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, depth: depth + 1, path: `${path}[${index}]` }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key === '__proto__') return `the JSON has a '__proto__' key (at '${childPath}'), which cannot be stored faithfully`;
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, path: childPath });
    }
  }
  return undefined;
}

/** JSON with object keys sorted, so equal values always serialize to equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
