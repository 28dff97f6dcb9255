/**
 * Structural checks on parsed JSON before any schema sees it, each a way a
 * payload could otherwise be altered or crash us on the way to Firestore:
 *
 * - a `__proto__` key: JSON.parse makes it an own property, but every later
 *   copy (zod included) drops it or assigns it to a prototype;
 * - nesting deeper than MAX_JSON_DEPTH: recursive code (ours, zod's) could
 *   overflow the stack;
 * - a number JSON.parse made infinite (1e400): it would be stored as null.
 *
 * (Lone UTF-16 surrogates are fine here: payloads are stored as JSON text,
 * which escapes them exactly. Values stored as Firestore strings, which must
 * be valid UTF-8, are checked by their schemas: see protoEnum.)
 *
 * Such a payload is refused with its reason rather than changed quietly.
 */

export const MAX_JSON_DEPTH = 64;

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function findJsonShapeProblem(root: unknown): string | undefined {
  // Nearly every payload is fine: prove that without building a path for every value, then describe the rest.
  return isShapeSound(root, 0) ? undefined : describeShapeProblem(root);
}

function isShapeSound(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isShapeSound(item, depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (key === '__proto__' || !isShapeSound((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function describeShapeProblem(root: unknown): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `the JSON has a number out of range (at '${printable(path)}'), which would be stored as null`;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return `the JSON is nested deeper than ${MAX_JSON_DEPTH} levels (at '${printable(path)}')`;
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, depth: depth + 1, path: `${path}[${index}]` }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key === '__proto__') return `the JSON has a '__proto__' key (at '${printable(childPath)}'), which cannot be stored faithfully`;
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, path: childPath });
    }
  }
  return undefined;
}

/** A path for a sentence: bounded, and safe to store (no lone surrogates). */
function printable(path: string): string {
  return truncateText(path, 200);
}

/** At most `length` UTF-16 units, never ending inside a surrogate pair, always well formed. */
export function truncateText(text: string, length: number): string {
  let cut = text.length > length ? text.slice(0, length) : text;
  if (cut.length > 0 && /[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return cut.toWellFormed();
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
