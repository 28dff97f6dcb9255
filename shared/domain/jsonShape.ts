/**
 * Structural checks on parsed JSON before any schema sees it, each a way a
 * payload could otherwise be altered or crash us on the way to Firestore:
 *
 * - a `__proto__` key: JSON.parse makes it an own property, but every later
 *   copy (zod included) drops it or assigns it to a prototype;
 * - nesting deeper than MAX_JSON_DEPTH: recursive code (ours, zod's) could
 *   overflow the stack;
 * - a number JSON.parse made infinite (1e400): it would be stored as null;
 * - more than MAX_JSON_VALUES values: every value costs CPU in every later
 *   step (schemas, copies, serialization), and `{}` costs 3 bytes of JSON
 *   (2 of protobuf), so a body within its byte cap could cost seconds.
 *
 * (Lone UTF-16 surrogates are fine here: payloads are stored as JSON text,
 * which escapes them exactly. Values stored as Firestore strings, which must
 * be valid UTF-8, are checked by their schemas: see protoEnum.)
 *
 * Such a payload is refused with its reason rather than changed quietly.
 */

export const MAX_JSON_DEPTH = 64;

/**
 * Values (objects, arrays, strings, numbers, booleans, nulls) one payload may
 * hold. At this count the slowest kind of value (an element of an array the
 * schemas model, read from protobuf) costs about 0.2 s of CPU to store;
 * Dialogflow's events hold hundreds. One 600 000-character string is one value.
 */
export const MAX_JSON_VALUES = 50_000;

/** What makes a payload unstorable: too many values (a size), or a shape that would not survive storage. */
export interface ShapeProblem {
  kind: 'too_many_values' | 'unsafe';
  description: string;
}

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `describePath` names a field for a reason; a caller can put text in keys,
 * so it decides which keys may be spelled out (see validation.ts).
 */
export function findJsonShapeProblem(root: unknown, describePath: (path: PathSegment[]) => string = joinPath): ShapeProblem | undefined {
  // Nearly every payload is fine: prove that without building a path for every value, then describe the rest.
  const budget = { values: MAX_JSON_VALUES };
  if (isShapeSound(root, 0, budget)) return undefined;
  if (budget.values < 0) return { kind: 'too_many_values', description: `the JSON holds more than ${MAX_JSON_VALUES} values (objects, arrays and the values in them)` };
  return describeShapeProblem(root, describePath);
}

export type PathSegment = string | number;

/** Counts every value against the budget and stops at the first problem: a payload over the budget is never walked further. */
function isShapeSound(value: unknown, depth: number, budget: { values: number }): boolean {
  if (--budget.values < 0) return false;
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isShapeSound(item, depth + 1, budget)) return false;
    return true;
  }
  for (const key in value) {
    if (key === '__proto__' || !isShapeSound((value as Record<string, unknown>)[key], depth + 1, budget)) return false;
  }
  return true;
}

/** Only runs on a payload within MAX_JSON_VALUES. */
function describeShapeProblem(root: unknown, describePath: (path: PathSegment[]) => string): ShapeProblem | undefined {
  const stack: Array<{ value: unknown; depth: number; path: PathSegment[] }> = [{ value: root, depth: 0, path: [] }];
  const unsafe = (description: string): ShapeProblem => ({ kind: 'unsafe', description });
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return unsafe(`the JSON has a number out of range (at '${describePath(path)}'), which would be stored as null`);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return unsafe(`the JSON is nested deeper than ${MAX_JSON_DEPTH} levels (at '${describePath(path)}')`);
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, depth: depth + 1, path: [...path, index] }));
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return unsafe(`the JSON has a '__proto__' key (at '${describePath([...path, key])}'), which cannot be stored faithfully`);
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, path: [...path, key] });
    }
  }
  return undefined;
}

/** `a.b[1].c`, bounded, and safe to store (no lone surrogates). */
export function joinPath(path: PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text ? `.${segment}` : segment;
    if (text.length > 200) break;
  }
  return truncateText(text, 200);
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

/** Bytes of `text` in UTF-8, counted without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
