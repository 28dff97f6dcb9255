import type * as z from 'zod/mini';
import { joinPath, truncateText, type PathSegment } from './jsonShape';
import { toSnakeCase } from './protoJson';
import './zodMessages';

/**
 * Turns zod issues into sentences an operator can act on, such as
 * "Field 'newMessagePayload.name' must be a string, got number".
 * Parse with `{ reportInput: true }` (see PARSE_OPTIONS): zod 4 records the
 * offending value only then, and without it a wrong type reads as missing.
 * Only the value's type is ever put in the sentence, never the value; and
 * with a describer from `createPathDescriber`, never a key no schema names.
 */
export const PARSE_OPTIONS = { reportInput: true } as const;

export function describeIssues(error: z.core.$ZodError, describePath: DescribePath = dottedPath): string {
  const shown = error.issues.slice(0, MAX_ISSUES_DESCRIBED).map((issue) => describeIssue(issue, describePath));
  const more = error.issues.length - shown.length;
  const text = `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  return truncateText(text, MAX_REASON_LENGTH);
}

/** A reason is for a person and must fit a quarantine document: the first issues tell what is wrong. */
const MAX_ISSUES_DESCRIBED = 10;
const MAX_REASON_LENGTH = 2_000;

export type DescribePath = (path: readonly PropertyKey[]) => string;

const dottedPath: DescribePath = (path) => path.map(String).join('.');

/** Stands for a key that no schema names, in place of its text. */
export const UNKNOWN_KEY = '<unknown key>';

/**
 * Names a field by its path, spelling out only the keys that the schemas
 * name (in either proto3 spelling) and array indexes: a caller can write any
 * text in a key (an attribute's name, a field we do not model), and reasons
 * are logged. `message.attributes.<unknown key>`, `newMessagePayload.messageAnnotation.parts[3]`.
 */
export function createPathDescriber(...schemas: unknown[]): DescribePath {
  const known = new Set<string>(['__proto__']);
  const seen = new Set<unknown>();
  const visit = (schema: unknown): void => {
    if (schema === null || typeof schema !== 'object' || seen.has(schema)) return;
    seen.add(schema);
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    const shape = def['shape'] as Record<string, unknown> | undefined;
    if (def['type'] === 'object' && shape) {
      for (const key of Object.keys(shape)) {
        known.add(key).add(toSnakeCase(key));
        visit(shape[key]);
      }
    }
    for (const inner of ['innerType', 'in', 'out', 'element', 'valueType', 'catchall']) visit(def[inner]);
    for (const option of (def['options'] as unknown[] | undefined) ?? []) visit(option);
  };
  schemas.forEach(visit);
  return (path) => joinPath(path.map((segment): PathSegment => (typeof segment === 'number' ? segment : known.has(String(segment)) ? String(segment) : UNKNOWN_KEY)));
}

function describeIssue(issue: z.core.$ZodIssue, describePath: DescribePath): string {
  const field = issue.path.length > 0 ? `Field '${describePath(issue.path)}'` : 'The value';
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `${field} is required`
        : `${field} must be ${article(issue.expected)}, got ${typeName(issue.input)}`;
    case 'invalid_union':
      return issue.input === undefined ? `${field} is required` : `${field} has a value of the wrong type (${typeName(issue.input)})`;
    case 'too_big':
      return `${field} is too large (at most ${String(issue.maximum)})`;
    case 'too_small':
      return `${field} is too small (at least ${String(issue.minimum)})`;
    case 'unrecognized_keys':
      // The keys themselves are the caller's text.
      return `${field} has ${issue.keys.length} unexpected ${issue.keys.length === 1 ? 'key' : 'keys'}`;
    default:
      return `${field}: ${issue.message}`;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
