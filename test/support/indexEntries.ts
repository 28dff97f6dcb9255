import type { DocumentData } from '@google-cloud/firestore';

/**
 * How many single-field index entries Firestore's automatic indexing writes for a document, as its
 * documentation describes it: an ascending and a descending entry for each field that is not a map or an array,
 * each map's subfields counted the same way, and one array-contains entry per distinct element of an array.
 * Fields listed in `exempt` (top-level names) have no single-field index. TTL fields (expireAt) are exempt too.
 */
export function indexEntries(document: DocumentData, exempt: readonly string[]): number {
  let entries = 0;
  for (const [field, value] of Object.entries(document)) {
    if (exempt.includes(field) || field === 'expireAt') continue;
    entries += entriesOf(value);
  }
  return entries;
}

function entriesOf(value: unknown): number {
  if (Array.isArray(value)) return new Set(value.map((element) => JSON.stringify(element))).size;
  if (isMap(value)) return Object.values(value).reduce<number>((sum, subfield) => sum + entriesOf(subfield), 0);
  return 2;
}

function isMap(value: unknown): value is Record<string, unknown> {
  // Firestore's Timestamp and bytes are values, not maps.
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
