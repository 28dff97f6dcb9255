import * as z from 'zod';
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
export function protoObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const camelBySnake = new Map<string, string>(
    Object.keys(shape)
      .filter((camel) => toSnakeCase(camel) !== camel)
      .map((camel) => [toSnakeCase(camel), camel]),
  );
  return z.preprocess((value, ctx) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    // Most payloads are camelCase already: leave them as they are, without copying.
    if (!Object.keys(record).some((key) => camelBySnake.has(key))) return record;
    const entries = Object.keys(record).flatMap((key): Array<[string, unknown]> => {
      const camel = camelBySnake.get(key);
      if (camel === undefined) return [[key, record[key]]];
      if (!Object.hasOwn(record, camel)) return [[camel, record[key]]];
      if (canonicalJson(record[camel]) !== canonicalJson(record[key])) {
        ctx.addIssue({ code: 'custom', path: [camel], message: `is given twice with different values, as '${camel}' and '${key}'` });
      }
      return []; // the camelCase spelling, kept under its own key
    });
    return Object.fromEntries(entries);
  }, z.looseObject(shape));
}

export function toSnakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * An enum as proto3 JSON allows it: its name, or its number. Stored as a
 * Firestore string, so it must be well-formed text (no lone surrogates).
 */
export const protoEnum = z.union([
  z.string().min(1).max(128).refine((text) => text.isWellFormed(), 'must be well-formed text (it has a lone UTF-16 surrogate)'),
  z.number().int(),
]);

export const jsonObject = z.record(z.string(), z.unknown());
