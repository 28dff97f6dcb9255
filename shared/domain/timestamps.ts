/**
 * Timestamps at nanosecond precision.
 *
 * Dialogflow and Pub/Sub send RFC 3339 strings with up to nine fractional
 * digits; JavaScript dates keep milliseconds and Firestore timestamps keep
 * microseconds, so neither can order two messages created in the same
 * microsecond. We keep nanoseconds since the epoch as a bigint and store a
 * fixed-width string that sorts the same way it compares.
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const NANOS_PER_SECOND = 1_000_000_000n;
const NANOS_PER_MICRO = 1_000n;

// google.protobuf.Timestamp's documented range.
const MIN_SECONDS = -62_135_596_800n; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z

/** The last representable instant, 9999-12-31T23:59:59.999999999Z, in nanoseconds. */
export const MAX_TIMESTAMP_NANOS = MAX_SECONDS * NANOS_PER_SECOND + NANOS_PER_SECOND - 1n;

/** Nanoseconds since the Unix epoch, or undefined when `text` is not an RFC 3339 timestamp in proto's range. */
export function parseTimestampNanos(text: string): bigint | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offH, offM] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // RFC 3339 allows a leap second (60); proto3 JSON smears it, so we do too.
  if (hour > 23 || minute > 59 || second > 60) return undefined;

  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, Math.min(second, 59), 0);
  let seconds = BigInt(date.getTime() / 1000);
  if (!zulu) {
    if (Number(offH) > 23 || Number(offM) > 59) return undefined;
    const offsetSeconds = BigInt(Number(offH) * 3600 + Number(offM) * 60);
    seconds = sign === '+' ? seconds - offsetSeconds : seconds + offsetSeconds;
  }
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) return undefined;
  const nanos = BigInt((fraction ?? '').padEnd(9, '0'));
  return seconds * NANOS_PER_SECOND + nanos;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function splitNanos(nanos: bigint): { seconds: bigint; fraction: bigint } {
  let seconds = nanos / NANOS_PER_SECOND;
  let fraction = nanos % NANOS_PER_SECOND;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += NANOS_PER_SECOND;
  }
  return { seconds, fraction };
}

// Within proto's range (years 1 to 9999) toISOString prints a four-digit year.
function formatDateTime(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
}

/** Fixed-width `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`: string order equals time order. */
export function formatSortableTimestamp(nanos: bigint): string {
  const { seconds, fraction } = splitNanos(nanos);
  return `${formatDateTime(seconds)}.${fraction.toString().padStart(9, '0')}Z`;
}

/** proto3 JSON form: 0, 3, 6 or 9 fractional digits, whichever is shortest without loss. */
export function formatProtoTimestamp(nanos: bigint): string {
  const { seconds, fraction } = splitNanos(nanos);
  const base = formatDateTime(seconds);
  if (fraction === 0n) return `${base}Z`;
  const digits = fraction.toString().padStart(9, '0');
  if (fraction % 1_000_000n === 0n) return `${base}.${digits.slice(0, 3)}Z`;
  if (fraction % 1_000n === 0n) return `${base}.${digits.slice(0, 6)}Z`;
  return `${base}.${digits}Z`;
}

/** Normalizes any RFC 3339 timestamp to the sortable form, or undefined if it is not one. */
export function toSortableTimestamp(text: string): string | undefined {
  const sortable = sortableZuluTimestamp(text);
  if (sortable !== undefined) return sortable;
  const nanos = parseTimestampNanos(text);
  return nanos === undefined ? undefined : formatSortableTimestamp(nanos);
}

const ZULU = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * What Pub/Sub and Dialogflow write (UTC, `T` and `Z`, no leap second) is
 * already sortable but for the fraction's width: checked and padded without
 * the bigint arithmetic, twice per delivery. Anything else (an offset, a
 * leap second, lower case, out of range) is left to the general path.
 */
function sortableZuluTimestamp(text: string): string | undefined {
  const match = ZULU.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6]) > 59) return undefined;
  return `${text.slice(0, 19)}.${(match[7] ?? '').padEnd(9, '0')}Z`;
}

export function microsToNanos(micros: bigint): bigint {
  return micros * NANOS_PER_MICRO;
}

export function nanosToMillis(nanos: bigint): number {
  return Number(nanos / 1_000_000n);
}
