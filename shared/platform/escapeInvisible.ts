/**
 * Characters that change how text reads without being seen: C0 and C1
 * controls, DEL, and the bidirectional marks, embeddings, overrides and
 * isolates (U+200E/F, U+202A-U+202E, U+2066-U+2069, U+061C), with the
 * Unicode line separators. A path like `/v2/projects/p/conversations/%E2%80%AE...`
 * could otherwise make a log line or an error message read backwards, or
 * start what looks like a line of its own.
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const KEEPS_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (character: string) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The text with each such character written as `\uXXXX`, visibly; `keepNewlines` for our own multi-line text (stack traces). */
export function escapeInvisible(text: string, keepNewlines = false): string {
  const pattern = keepNewlines ? KEEPS_LINES : INVISIBLE;
  pattern.lastIndex = 0;
  return pattern.test(text) ? text.replace(pattern, escape) : text;
}
