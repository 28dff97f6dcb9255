import * as z from 'zod/mini';
import { canonicalJson } from './jsonShape';

/**
 * proto3 JSON parsers accept a field by its JSON name (lowerCamelCase) or its
 * proto name (snake_case). Dialogflow's JSON notifications have used both, so
 * each object schema here renames the snake_case spellings of its own fields
 * to camelCase and keeps keys it does not know untouched (never drop data we
 * do not model). A field spelled both ways must carry the same value both
 * times (Pub/Sub itself writes `messageId` and `message_id`); different
 * values are refused, since either choice would silently drop one.
 */
export function protoObject<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const camelBySnake = new Map<string, string>(
    Object.keys(shape)
      .filter((camel) => toSnakeCase(camel) !== camel)
      .map((camel) => [toSnakeCase(camel), camel]),
  );
  // A preprocess: a transform piped into the object schema.
  const renameSnakeCase = z.transform((value: unknown, ctx) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    // Most payloads are camelCase already: leave them as they are, without copying (a plain loop: this runs for
    // every object of every delivery).
    if (!hasSnakeCaseKey(record, camelBySnake)) return record;
    // Pub/Sub's own push body takes this path (`messageId` and `message_id`): plain loops, equal strings compared
    // as strings.
    const entries: Array<[string, unknown]> = [];
    for (const key of Object.keys(record)) {
      const camel = camelBySnake.get(key);
      if (camel === undefined) entries.push([key, record[key]]);
      else if (!Object.hasOwn(record, camel)) entries.push([camel, record[key]]);
      else if (record[camel] !== record[key] && canonicalJson(record[camel]) !== canonicalJson(record[key])) {
        ctx.issues.push({ code: 'custom', input: record, path: [camel], message: `is given twice with different values, as '${camel}' and '${key}'` });
      }
      // else: the camelCase spelling, kept under its own key
    }
    return Object.fromEntries(entries);
  });
  return z.pipe(renameSnakeCase, z.looseObject(shape));
}

function hasSnakeCaseKey(record: Record<string, unknown>, camelBySnake: Map<string, string>): boolean {
  if (camelBySnake.size === 0) return false;
  for (const key in record) if (camelBySnake.has(key)) return true;
  return false;
}

export function toSnakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * An enum as proto3 JSON allows it: its name, or its number. Stored as a
 * Firestore string, so it must be well-formed text (no lone surrogates).
 */
export const protoEnum = z.union([
  z.string().check(
    z.minLength(1),
    z.maxLength(128),
    z.refine((text) => text.isWellFormed(), 'must be well-formed text (it has a lone UTF-16 surrogate)'),
  ),
  z.int(),
]);

export const jsonObject = z.record(z.string(), z.unknown());
