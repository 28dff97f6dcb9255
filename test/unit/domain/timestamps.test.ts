import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_TIMESTAMP_NANOS,
  formatProtoTimestamp,
  formatSortableTimestamp,
  microsToNanos,
  nanosToMillis,
  parseTimestampNanos,
  toSortableTimestamp,
} from '../../../shared/domain/timestamps';

/** Nanoseconds since the epoch of a UTC wall-clock time, computed without the code under test. */
const utc = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, nanos = 0n): bigint =>
  BigInt(Date.UTC(year, month - 1, day, hour, minute, second)) * 1_000_000n + nanos;

const compare = <T extends string | bigint>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

const MIN_TIMESTAMP_NANOS = -62_135_596_800n * 1_000_000_000n;

describe('parseTimestampNanos', () => {
  const accepted = [
    { name: 'accepts the epoch', input: '1970-01-01T00:00:00Z', expected: 0n },
    { name: 'accepts a time before the epoch', input: '1969-12-31T23:59:59.5Z', expected: -500_000_000n },
    { name: 'accepts a Dialogflow create time with microseconds', input: '2026-11-02T14:03:02.455120Z', expected: utc(2026, 11, 2, 14, 3, 2, 455_120_000n) },
    { name: 'accepts a positive offset (+02:00) and converts it to UTC', input: '2026-11-02T16:03:02+02:00', expected: utc(2026, 11, 2, 14, 3, 2) },
    { name: 'accepts a negative half-hour offset (-05:30) and converts it to UTC', input: '2026-11-02T08:33:02-05:30', expected: utc(2026, 11, 2, 14, 3, 2) },
    { name: 'accepts an offset that moves the instant to the previous day', input: '2026-01-01T01:00:00+02:00', expected: utc(2025, 12, 31, 23) },
    { name: 'accepts +00:00 as UTC', input: '2026-11-02T14:03:02+00:00', expected: utc(2026, 11, 2, 14, 3, 2) },
    { name: 'accepts a lowercase t separator', input: '2026-11-02t14:03:02Z', expected: utc(2026, 11, 2, 14, 3, 2) },
    { name: 'accepts a lowercase z zone', input: '2026-11-02T14:03:02z', expected: utc(2026, 11, 2, 14, 3, 2) },
    { name: 'accepts 29 February of a leap year (2024)', input: '2024-02-29T00:00:00Z', expected: utc(2024, 2, 29) },
    { name: 'accepts 29 February of a year divisible by 400 (2000)', input: '2000-02-29T12:00:00Z', expected: utc(2000, 2, 29, 12) },
    { name: 'accepts a leap second and smears it to second 59', input: '2024-12-31T23:59:60Z', expected: utc(2024, 12, 31, 23, 59, 59) },
    { name: 'accepts the first instant of year 0001', input: '0001-01-01T00:00:00Z', expected: MIN_TIMESTAMP_NANOS },
    { name: 'accepts the last nanosecond of year 9999', input: '9999-12-31T23:59:59.999999999Z', expected: MAX_TIMESTAMP_NANOS },
    { name: 'accepts year 0001 written with a negative offset that stays in range', input: '0001-01-01T00:00:00-01:00', expected: MIN_TIMESTAMP_NANOS + 3_600_000_000_000n },
  ];
  it.each(accepted)('$name', ({ input, expected }) => {
    expect(parseTimestampNanos(input)).toBe(expected);
  });

  const fractions = Array.from({ length: 10 }, (_, digits) => ({
    name: `accepts ${digits} fractional digits`,
    input: `1970-01-01T00:00:01${digits === 0 ? '' : `.${'123456789'.slice(0, digits)}`}Z`,
    expected: 1_000_000_000n + BigInt('123456789'.slice(0, digits).padEnd(9, '0')),
  }));
  it.each(fractions)('$name', ({ input, expected }) => {
    expect(parseTimestampNanos(input)).toBe(expected);
  });

  it('gives the same instant for the same time written with different offsets', () => {
    const spellings = ['2026-11-02T14:03:02.5Z', '2026-11-02T16:03:02.500+02:00', '2026-11-02T08:33:02.500000-05:30', '2026-11-02t14:03:02.500000000z'];
    const instants = new Set(spellings.map(parseTimestampNanos));
    expect([...instants]).toEqual([utc(2026, 11, 2, 14, 3, 2, 500_000_000n)]);
  });

  const rejected = [
    { name: 'rejects 29 February of a common year (2023)', input: '2023-02-29T00:00:00Z' },
    { name: 'rejects 29 February of a century that is not a leap year (1900)', input: '1900-02-29T00:00:00Z' },
    { name: 'rejects month 13', input: '2026-13-01T00:00:00Z' },
    { name: 'rejects month 00', input: '2026-00-01T00:00:00Z' },
    { name: 'rejects day 00', input: '2026-01-00T00:00:00Z' },
    { name: 'rejects day 32', input: '2026-01-32T00:00:00Z' },
    { name: 'rejects 31 April', input: '2026-04-31T00:00:00Z' },
    { name: 'rejects hour 24', input: '2026-01-01T24:00:00Z' },
    { name: 'rejects minute 60', input: '2026-01-01T00:60:00Z' },
    { name: 'rejects second 61', input: '2026-01-01T00:00:61Z' },
    { name: 'rejects year 0000', input: '0000-12-31T23:59:59Z' },
    { name: 'rejects a five-digit year', input: '10000-01-01T00:00:00Z' },
    { name: 'rejects year 0001 moved before proto range by its offset', input: '0001-01-01T00:30:00+01:00' },
    { name: 'rejects year 9999 moved past proto range by its offset', input: '9999-12-31T23:59:59-00:01' },
    { name: 'rejects ten fractional digits', input: '2026-01-01T00:00:00.1234567890Z' },
    { name: 'rejects a dot without fractional digits', input: '2026-01-01T00:00:00.Z' },
    { name: 'rejects a time without zone', input: '2026-01-01T00:00:00' },
    { name: 'rejects a space instead of T', input: '2026-01-01 00:00:00Z' },
    { name: 'rejects an offset without colon', input: '2026-01-01T00:00:00+0200' },
    { name: 'rejects an offset hour of 24', input: '2026-01-01T00:00:00+24:00' },
    { name: 'rejects an offset minute of 60', input: '2026-01-01T00:00:00+02:60' },
    { name: 'rejects a date without time', input: '2026-01-01' },
    { name: 'rejects a time without seconds', input: '2026-01-01T00:00Z' },
    { name: 'rejects the empty string', input: '' },
    { name: 'rejects a word', input: 'yesterday' },
    { name: 'rejects a leading space', input: ' 2026-01-01T00:00:00Z' },
    { name: 'rejects a trailing newline', input: '2026-01-01T00:00:00Z\n' },
    { name: 'rejects full-width digits', input: '２０２６-01-01T00:00:00Z' },
    { name: 'rejects epoch milliseconds', input: '1767225600000' },
  ];
  it.each(rejected)('$name', ({ input }) => {
    expect(parseTimestampNanos(input)).toBeUndefined();
  });
});

describe('formatSortableTimestamp', () => {
  const cases = [
    { name: 'writes the epoch with nine fractional digits', input: 0n, expected: '1970-01-01T00:00:00.000000000Z' },
    { name: 'writes one nanosecond before the epoch', input: -1n, expected: '1969-12-31T23:59:59.999999999Z' },
    { name: 'writes microseconds padded to nine digits', input: utc(2026, 11, 2, 14, 3, 2, 455_120_000n), expected: '2026-11-02T14:03:02.455120000Z' },
    { name: 'writes the first instant of year 0001 with a four-digit year', input: MIN_TIMESTAMP_NANOS, expected: '0001-01-01T00:00:00.000000000Z' },
    { name: 'writes the last nanosecond of year 9999', input: MAX_TIMESTAMP_NANOS, expected: '9999-12-31T23:59:59.999999999Z' },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(formatSortableTimestamp(input)).toBe(expected);
  });

  const inRange = fc.bigInt({ min: MIN_TIMESTAMP_NANOS, max: MAX_TIMESTAMP_NANOS });

  it('always writes 30 characters', () => {
    fc.assert(
      fc.property(inRange, (nanos) => {
        expect(formatSortableTimestamp(nanos)).toHaveLength(30);
      }),
    );
  });

  it('orders strings exactly as it orders the instants they write', () => {
    fc.assert(
      fc.property(inRange, inRange, (a, b) => {
        expect(compare(formatSortableTimestamp(a), formatSortableTimestamp(b))).toBe(compare(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('orders neighbouring nanoseconds correctly across second and year boundaries', () => {
    const boundaries = [0n, utc(2026, 1, 1), utc(2000, 3, 1), MIN_TIMESTAMP_NANOS + 1n];
    for (const instant of boundaries) {
      expect(formatSortableTimestamp(instant - 1n) < formatSortableTimestamp(instant)).toBe(true);
    }
  });

  it('is read back by parseTimestampNanos to the same instant', () => {
    fc.assert(
      fc.property(inRange, (nanos) => {
        expect(parseTimestampNanos(formatSortableTimestamp(nanos))).toBe(nanos);
      }),
    );
  });
});

describe('formatProtoTimestamp', () => {
  const cases = [
    { name: 'writes no fraction for whole seconds', input: 0n, expected: '1970-01-01T00:00:00Z' },
    { name: 'writes three digits for whole milliseconds', input: 123_000_000n, expected: '1970-01-01T00:00:00.123Z' },
    { name: 'keeps trailing zeros within a group of three', input: 100_000_000n, expected: '1970-01-01T00:00:00.100Z' },
    { name: 'writes six digits for whole microseconds', input: 123_456_000n, expected: '1970-01-01T00:00:00.123456Z' },
    { name: 'writes six digits for one microsecond', input: 1_000n, expected: '1970-01-01T00:00:00.000001Z' },
    { name: 'writes nine digits for nanoseconds', input: 123_456_789n, expected: '1970-01-01T00:00:00.123456789Z' },
    { name: 'writes nine digits for one nanosecond', input: 1n, expected: '1970-01-01T00:00:00.000000001Z' },
    { name: 'writes a time before the epoch with a positive fraction', input: -1_000_000n, expected: '1969-12-31T23:59:59.999Z' },
    { name: 'writes a Dialogflow create time as received', input: utc(2026, 11, 2, 14, 3, 2, 455_120_000n), expected: '2026-11-02T14:03:02.455120Z' },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(formatProtoTimestamp(input)).toBe(expected);
  });

  it('writes 0, 3, 6 or 9 fractional digits and is read back to the same instant', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MIN_TIMESTAMP_NANOS, max: MAX_TIMESTAMP_NANOS }), (nanos) => {
        const text = formatProtoTimestamp(nanos);
        expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$/);
        expect(parseTimestampNanos(text)).toBe(nanos);
      }),
    );
  });
});

describe('toSortableTimestamp', () => {
  const cases = [
    { name: 'normalizes an offset time to sortable UTC', input: '2026-11-02T16:03:02.1+02:00', expected: '2026-11-02T14:03:02.100000000Z' },
    { name: 'normalizes lowercase t and z', input: '2026-11-02t14:03:02z', expected: '2026-11-02T14:03:02.000000000Z' },
    { name: 'gives undefined for a text that is not a timestamp', input: 'not a time', expected: undefined },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(toSortableTimestamp(input)).toBe(expected);
  });
});

describe('unit conversions', () => {
  const cases = [
    { name: 'microsToNanos multiplies by 1000', actual: () => microsToNanos(1_234n), expected: 1_234_000n },
    { name: 'nanosToMillis drops sub-millisecond digits', actual: () => nanosToMillis(1_999_999n), expected: 1 },
    { name: 'nanosToMillis keeps a 2026 instant exact to the millisecond', actual: () => nanosToMillis(utc(2026, 11, 2, 14, 3, 2, 455_120_000n)), expected: Date.UTC(2026, 10, 2, 14, 3, 2, 455) },
  ];
  it.each(cases)('$name', ({ actual, expected }) => {
    expect(actual()).toBe(expected);
  });
});

describe('toSortableTimestamp on the common spelling', () => {
  // UTC with `T` and `Z` takes a path of its own, without bigints: it must agree with the general one everywhere.
  const general = (text: string) => {
    const nanos = parseTimestampNanos(text);
    return nanos === undefined ? undefined : formatSortableTimestamp(nanos);
  };
  const digits = (count: number, max: number) => fc.integer({ min: 0, max }).map((value) => String(value).padStart(count, '0'));
  const nearlyValid = fc
    .tuple(
      digits(4, 10_000),
      digits(2, 14),
      digits(2, 32),
      digits(2, 25),
      digits(2, 61),
      digits(2, 61),
      fc.option(fc.stringMatching(/^[0-9]{1,10}$/), { nil: undefined }),
      fc.constantFrom('Z', 'z', '+00:00', '-01:30', ''),
      fc.constantFrom('T', 't', ' '),
    )
    .map(([year, month, day, hour, minute, second, fraction, zone, separator]) => `${year}-${month}-${day}${separator}${hour}:${minute}:${second}${fraction === undefined ? '' : `.${fraction}`}${zone}`);

  it('agrees with the general path on every nearly valid timestamp', () => {
    fc.assert(
      fc.property(nearlyValid, (text) => {
        expect(toSortableTimestamp(text)).toBe(general(text));
      }),
      { numRuns: 3_000 },
    );
  });

  it.each(['0000-01-01T00:00:00Z', '2024-02-29T23:59:59.5Z', '2023-02-29T00:00:00Z', '2026-12-31T23:59:60Z', '9999-12-31T23:59:59.999999999Z', '2026-11-02T14:03:00.1234567890Z'])(
    '%s as the general path reads it',
    (text) => expect(toSortableTimestamp(text)).toBe(general(text)),
  );
});
