import type * as z from 'zod/mini';
import { truncateText } from './jsonShape';
import './zodMessages';

/**
 * Turns zod issues into sentences an operator can act on, such as
 * "Field 'newMessagePayload.name' must be a string, got number".
 * Parse with `{ reportInput: true }` (see PARSE_OPTIONS): zod 4 records the
 * offending value only then, and without it a wrong type reads as missing.
 * Only the value's type is ever put in the sentence, never the value.
 */
export const PARSE_OPTIONS = { reportInput: true } as const;

export function describeIssues(error: z.core.$ZodError): string {
  const shown = error.issues.slice(0, MAX_ISSUES_DESCRIBED).map(describeIssue);
  const more = error.issues.length - shown.length;
  const text = `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  return truncateText(text, MAX_REASON_LENGTH);
}

/** A reason is for a person and must fit a quarantine document: the first issues tell what is wrong. */
const MAX_ISSUES_DESCRIBED = 10;
const MAX_REASON_LENGTH = 2_000;

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? `Field '${issue.path.map(String).join('.')}'` : 'The value';
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
      return `${field} has unexpected keys ${issue.keys.join(', ')}`;
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
