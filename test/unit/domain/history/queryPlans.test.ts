import { describe, expect, it } from 'vitest';
import { emptyConversationState, type ConversationState } from '../../../../shared/domain/conversationState';
import {
  InvalidFilterError,
  meetsResidual,
  planConversationQuery,
  planMessageQuery,
  type ConversationQueryPlan,
  type KeyRange,
} from '../../../../shared/domain/history/queryPlans';
import { parseConversationName } from '../../../../shared/domain/resourceNames';

const T = '2026-01-01T00:00:00Z';
const T_NANOS = 1_767_225_600n * 1_000_000_000n;
const T_KEY = '2026-01-01T00:00:00.000000000Z';
const T_PLUS_1NS = '2026-01-01T00:00:00.000000001Z';
const T_PLUS_1MS = '2026-01-01T00:00:00.001000000Z';

/** 1700000000000000 µs since the epoch is 2023-11-14T22:13:20Z. */
const MICROS = '1700000000000000';
const MICROS_KEY = '2023-11-14T22:13:20.000000000Z';

function withoutCanonical(plan: ConversationQueryPlan) {
  const { canonical: _canonical, ...rest } = plan;
  return rest;
}

function inRange(key: string, range: KeyRange): boolean {
  return (range.gte === undefined || key >= range.gte) && (range.lt === undefined || key < range.lt);
}

function refusal(plan: () => unknown): InvalidFilterError {
  try {
    plan();
  } catch (error) {
    if (error instanceof InvalidFilterError) return error;
    throw error;
  }
  throw new Error('the filter was accepted');
}

describe('planConversationQuery', () => {
  const cases: Array<{ name: string; input: string; expected: Omit<ConversationQueryPlan, 'canonical'> }> = [
    { name: 'no filter orders by start time over every key', input: '', expected: { orderBy: 'startSortKey', range: {}, matchesNothing: false } },
    {
      name: 'lifecycle_state = COMPLETED selects that state only',
      input: 'lifecycle_state = COMPLETED',
      expected: { orderBy: 'startSortKey', lifecycleState: 'COMPLETED', range: {}, matchesNothing: false },
    },
    {
      name: 'lifecycle_state = "IN_PROGRESS" in quotes selects that state',
      input: 'lifecycle_state = "IN_PROGRESS"',
      expected: { orderBy: 'startSortKey', lifecycleState: 'IN_PROGRESS', range: {}, matchesNothing: false },
    },
    {
      name: 'lifecycle_state != IN_PROGRESS selects the other state',
      input: 'lifecycle_state != IN_PROGRESS',
      expected: { orderBy: 'startSortKey', lifecycleState: 'COMPLETED', range: {}, matchesNothing: false },
    },
    {
      name: 'the camelCase field lifecycleState is accepted',
      input: "lifecycleState = 'COMPLETED'",
      expected: { orderBy: 'startSortKey', lifecycleState: 'COMPLETED', range: {}, matchesNothing: false },
    },
    {
      name: 'the same lifecycle_state twice is that state',
      input: 'lifecycle_state = COMPLETED AND lifecycle_state = COMPLETED',
      expected: { orderBy: 'startSortKey', lifecycleState: 'COMPLETED', range: {}, matchesNothing: false },
    },
    {
      name: 'two different lifecycle_state values match nothing',
      input: 'lifecycle_state = COMPLETED AND lifecycle_state = IN_PROGRESS',
      expected: { orderBy: 'startSortKey', range: {}, matchesNothing: true },
    },
    {
      name: 'both lifecycle states joined by OR constrain nothing (the documented form)',
      input: 'lifecycle_state = "COMPLETED" OR lifecycle_state = "IN_PROGRESS"',
      expected: { orderBy: 'startSortKey', range: {}, matchesNothing: false },
    },
    {
      name: 'one lifecycle state joined by OR with itself is that state',
      input: 'lifecycle_state = COMPLETED OR lifecycle_state = COMPLETED',
      expected: { orderBy: 'startSortKey', lifecycleState: 'COMPLETED', range: {}, matchesNothing: false },
    },
    {
      name: 'excluding both lifecycle states matches nothing',
      input: 'lifecycle_state != COMPLETED lifecycle_state != IN_PROGRESS',
      expected: { orderBy: 'startSortKey', range: {}, matchesNothing: true },
    },
    {
      name: 'start_time > T starts one nanosecond after T',
      input: `start_time > "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: T_PLUS_1NS }, matchesNothing: false },
    },
    {
      name: 'start_time >= T starts at T',
      input: `start_time >= "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: T_KEY }, matchesNothing: false },
    },
    {
      name: 'start_time < T ends before T and skips conversations without a start',
      input: `start_time < "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: '0', lt: T_KEY }, matchesNothing: false },
    },
    {
      name: 'start_time <= T ends one nanosecond after T',
      input: `start_time <= "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: '0', lt: T_PLUS_1NS }, matchesNothing: false },
    },
    {
      name: 'start_time = T is the nanosecond of T',
      input: `start_time = "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: T_KEY, lt: T_PLUS_1NS }, matchesNothing: false },
    },
    {
      name: 'the camelCase field startTime is accepted',
      input: `startTime >= "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: T_KEY }, matchesNothing: false },
    },
    {
      name: 'a timestamp with an offset is converted to UTC',
      input: 'start_time >= "2026-01-01T01:00:00+01:00"',
      expected: { orderBy: 'startSortKey', range: { gte: T_KEY }, matchesNothing: false },
    },
    {
      name: 'fractional seconds keep nanosecond precision',
      input: 'start_time > "2026-01-01T00:00:00.123456789Z"',
      expected: { orderBy: 'startSortKey', range: { gte: '2026-01-01T00:00:00.123456790Z' }, matchesNothing: false },
    },
    {
      name: 'two lower bounds keep the higher one',
      input: `start_time >= "2025-06-01T00:00:00Z" AND start_time > "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: T_PLUS_1NS }, matchesNothing: false },
    },
    {
      name: 'two upper bounds keep the lower one',
      input: `start_time < "2027-01-01T00:00:00Z" start_time <= "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: '0', lt: T_PLUS_1NS }, matchesNothing: false },
    },
    {
      name: 'an upper bound past the last representable instant bounds nothing',
      input: 'start_time <= "9999-12-31T23:59:59.999999999Z"',
      expected: { orderBy: 'startSortKey', range: { gte: '0' }, matchesNothing: false },
    },
    {
      name: 'an upper bound at the last representable instant is kept',
      input: 'start_time < "9999-12-31T23:59:59.999999999Z"',
      expected: { orderBy: 'startSortKey', range: { gte: '0', lt: '9999-12-31T23:59:59.999999999Z' }, matchesNothing: false },
    },
    {
      name: 'start_time > T and < T is contradictory',
      input: `start_time > "${T}" AND start_time < "${T}"`,
      expected: { orderBy: 'startSortKey', range: {}, matchesNothing: true },
    },
    {
      name: 'start_time = T and > T is contradictory',
      input: `start_time = "${T}" AND start_time > "${T}"`,
      expected: { orderBy: 'startSortKey', range: {}, matchesNothing: true },
    },
    {
      name: 'start_time >= T and <= T is the nanosecond of T',
      input: `start_time >= "${T}" AND start_time <= "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: T_KEY, lt: T_PLUS_1NS }, matchesNothing: false },
    },
    {
      name: 'end_time alone orders by end time',
      input: `end_time >= "${T}"`,
      expected: { orderBy: 'endSortKey', range: { gte: T_KEY }, matchesNothing: false },
    },
    {
      name: 'the camelCase field endTime is accepted',
      input: `endTime < "${T}"`,
      expected: { orderBy: 'endSortKey', range: { gte: '0', lt: T_KEY }, matchesNothing: false },
    },
    {
      name: 'contradictory end_time bounds match nothing',
      input: `end_time >= "2026-02-01T00:00:00Z" AND end_time < "${T}"`,
      expected: { orderBy: 'endSortKey', range: {}, matchesNothing: true },
    },
    {
      name: 'end_time with lifecycle_state orders by end time with the state',
      input: `lifecycle_state = COMPLETED AND end_time > "${T}"`,
      expected: { orderBy: 'endSortKey', lifecycleState: 'COMPLETED', range: { gte: T_PLUS_1NS }, matchesNothing: false },
    },
    {
      name: 'start_time and end_time order by start time and check end time on each read',
      input: `start_time >= "${T}" AND end_time < "2026-02-01T00:00:00Z"`,
      expected: {
        orderBy: 'startSortKey',
        range: { gte: T_KEY },
        matchesNothing: false,
        residual: { field: 'endTime', bounds: { hi: T_NANOS + 31n * 86_400n * 1_000_000_000n } },
      },
    },
    {
      name: 'end_time bounds in the residual are half-open like the range',
      input: `end_time > "${T}" start_time < "2027-01-01T00:00:00Z" end_time <= "${T}"`,
      expected: { orderBy: 'startSortKey', range: { gte: '0', lt: '2027-01-01T00:00:00.000000000Z' }, matchesNothing: true },
    },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    expect(withoutCanonical(planConversationQuery(input))).toStrictEqual(expected);
  });

  const equivalent = [
    { name: 'identifier and quoted state', input: ['lifecycle_state = COMPLETED', 'lifecycleState="COMPLETED"'] },
    { name: '= one state and != the other', input: ['lifecycle_state = COMPLETED', 'lifecycle_state != IN_PROGRESS'] },
    { name: 'the same instant written with and without an offset', input: [`start_time > "${T}"`, 'start_time > "2026-01-01T01:00:00+01:00"'] },
    { name: '> T and >= T plus one nanosecond', input: [`start_time > "${T}"`, `start_time >= "${T_PLUS_1NS}"`] },
    { name: 'AND and juxtaposition', input: [`lifecycle_state = COMPLETED AND end_time < "${T}"`, `(end_time < "${T}") lifecycle_state = COMPLETED`] },
  ];

  it.each(equivalent)('gives filters of the same meaning the same canonical text: $name', ({ input }) => {
    const [a, b] = input.map((filter) => planConversationQuery(filter).canonical);
    expect(a).toBe(b);
  });

  const different = [
    { name: 'different states', input: ['lifecycle_state = COMPLETED', 'lifecycle_state = IN_PROGRESS'] },
    { name: 'no filter and a state', input: ['', 'lifecycle_state = IN_PROGRESS'] },
    { name: 'start and end time at the same bound', input: [`start_time > "${T}"`, `end_time > "${T}"`] },
    { name: '> and >= the same instant', input: [`start_time > "${T}"`, `start_time >= "${T}"`] },
    { name: 'different residual bounds', input: [`start_time > "${T}" end_time < "2027-01-01T00:00:00Z"`, `start_time > "${T}" end_time < "2028-01-01T00:00:00Z"`] },
  ];

  it.each(different)('gives filters of different meaning different canonical texts: $name', ({ input }) => {
    const [a, b] = input.map((filter) => planConversationQuery(filter).canonical);
    expect(a).not.toBe(b);
  });

  const refused = [
    { name: 'an unsupported field', input: 'name = "x"', expected: /Filtering conversations on 'name' is not supported/ },
    { name: 'a dotted unsupported field', input: 'start_time.seconds > 5', expected: /'start_time\.seconds' is not supported/ },
    { name: 'a message field', input: `create_time > "${T}"`, expected: /'create_time' is not supported/ },
    { name: 'an unknown lifecycle state', input: 'lifecycle_state = DONE', expected: /not 'DONE'/ },
    { name: 'the unspecified lifecycle state', input: 'lifecycle_state = LIFECYCLE_STATE_UNSPECIFIED', expected: /not 'LIFECYCLE_STATE_UNSPECIFIED'/ },
    { name: 'a lifecycle state as a number', input: 'lifecycle_state = 2', expected: /"IN_PROGRESS" or "COMPLETED", not '2'/ },
    { name: 'a lower-case lifecycle state', input: 'lifecycle_state = "completed"', expected: /not 'completed'/ },
    { name: 'lifecycle_state with <', input: 'lifecycle_state < COMPLETED', expected: /lifecycle_state can only be compared with = or !=, not </ },
    { name: 'lifecycle_state with >=', input: 'lifecycle_state >= COMPLETED', expected: /not >=/ },
    { name: 'start_time with !=', input: `start_time != "${T}"`, expected: /start_time cannot be compared with !=/ },
    { name: 'end_time with !=', input: `end_time != "${T}"`, expected: /end_time cannot be compared with !=/ },
    { name: 'a time as a number', input: 'start_time > 2026', expected: /start_time must be compared with an RFC 3339 timestamp in quotes.*not '2026'/ },
    { name: 'a time as an identifier', input: 'end_time > yesterday', expected: /end_time must be compared with an RFC 3339 timestamp.*not 'yesterday'/ },
    { name: 'a date without a time', input: 'start_time > "2026-01-01"', expected: /not '2026-01-01'/ },
    { name: 'an impossible date', input: 'start_time > "2026-02-30T00:00:00Z"', expected: /not '2026-02-30T00:00:00Z'/ },
    { name: 'a timestamp without a zone', input: 'start_time > "2026-01-01T00:00:00"', expected: /RFC 3339/ },
    { name: 'a syntax error', input: 'lifecycle_state = COMPLETED OR', expected: /^Invalid filter: The filter ends where a comparison was expected/ },
    { name: 'OR across fields', input: `lifecycle_state = COMPLETED OR start_time > "${T}"`, expected: /^OR can only join conditions on one field, not on lifecycle_state and start_time/ },
    { name: 'OR leaving a gap between time ranges', input: `start_time < "${T}" OR start_time > "2026-02-01T00:00:00Z"`, expected: /start_time conditions joined by OR leave a gap/ },
    { name: 'an over-long filter', input: `lifecycle_state = "${'x'.repeat(3000)}"`, expected: /^Invalid filter: .*at most 2000/ },
  ];

  it.each(refused)('refuses $name with InvalidFilterError naming the part', ({ input, expected }) => {
    const error = refusal(() => planConversationQuery(input));
    expect(error.name).toBe('InvalidFilterError');
    expect(error.message).toMatch(expected);
  });

  const startComparisons = ['>', '>=', '<', '<=', '='].map((operator) => ({ name: `start_time ${operator} T`, input: `start_time ${operator} "${T}"` }));

  it.each(startComparisons)('excludes a conversation without a start time from $name', ({ input }) => {
    const { range } = planConversationQuery(input);
    expect(range.gte).toBeDefined();
    expect(range.gte! >= '0').toBe(true);
    expect(inRange('#Cv123', range)).toBe(false);
  });

  it.each(['>', '>=', '<', '<='].map((operator) => ({ name: `end_time ${operator} T`, input: `end_time ${operator} "${T}"` })))(
    'excludes a conversation without an end time from $name',
    ({ input }) => {
      const plan = planConversationQuery(input);
      expect(plan.orderBy).toBe('endSortKey');
      expect(inRange('#Cv123', plan.range)).toBe(false);
    },
  );

  const keyCases = [
    { name: '> T excludes a start at T', input: `start_time > "${T}"`, key: `${T_KEY}#Cv1`, expected: false },
    { name: '> T includes a start one nanosecond after T', input: `start_time > "${T}"`, key: `${T_PLUS_1NS}#Cv1`, expected: true },
    { name: '>= T includes a start at T', input: `start_time >= "${T}"`, key: `${T_KEY}#Cv1`, expected: true },
    { name: '< T excludes a start at T', input: `start_time < "${T}"`, key: `${T_KEY}#Cv1`, expected: false },
    { name: '< T includes a start one nanosecond before T', input: `start_time < "${T}"`, key: '2025-12-31T23:59:59.999999999Z#Cv1', expected: true },
    { name: '<= T includes a start at T', input: `start_time <= "${T}"`, key: `${T_KEY}#Cv1`, expected: true },
    { name: '<= T excludes a start one nanosecond after T', input: `start_time <= "${T}"`, key: `${T_PLUS_1NS}#Cv1`, expected: false },
    { name: '= T includes a start at T', input: `start_time = "${T}"`, key: `${T_KEY}#Cv1`, expected: true },
    { name: '= T excludes a start one nanosecond after T', input: `start_time = "${T}"`, key: `${T_PLUS_1NS}#Cv1`, expected: false },
    { name: 'no time comparison includes a conversation without a start', input: 'lifecycle_state = IN_PROGRESS', key: '#Cv1', expected: true },
  ];

  it.each(keyCases)('places sort keys on the right side of the range: $name', ({ input, key, expected }) => {
    expect(inRange(key, planConversationQuery(input).range)).toBe(expected);
  });
});

describe('planMessageQuery', () => {
  const cases: Array<{ name: string; input: string; expected: { range: KeyRange; matchesNothing: boolean } }> = [
    { name: 'no filter reads every message', input: '', expected: { range: {}, matchesNothing: false } },
    { name: 'create_time > T starts after the millisecond of T', input: `create_time > "${T}"`, expected: { range: { gte: T_PLUS_1MS }, matchesNothing: false } },
    { name: 'create_time > T drops digits below the millisecond', input: 'create_time > 2026-01-01T00:00:00.000999Z', expected: { range: { gte: T_PLUS_1MS }, matchesNothing: false } },
    { name: 'create_time >= T starts at T', input: `create_time >= "${T}"`, expected: { range: { gte: T_KEY }, matchesNothing: false } },
    { name: 'create_time < T ends before T', input: `create_time < "${T}"`, expected: { range: { gte: '0', lt: T_KEY }, matchesNothing: false } },
    { name: 'create_time <= T ends with the millisecond of T', input: `create_time <= "${T}"`, expected: { range: { gte: '0', lt: T_PLUS_1MS }, matchesNothing: false } },
    { name: 'create_time = T is the millisecond of T', input: `create_time = "${T}"`, expected: { range: { gte: T_KEY, lt: T_PLUS_1MS }, matchesNothing: false } },
    { name: 'create_time in the unquoted form of the v2 proto', input: 'create_time > 2017-01-15T01:30:15.01Z', expected: { range: { gte: '2017-01-15T01:30:15.011000000Z' }, matchesNothing: false } },
    {
      name: 'create_time ranges joined by OR that overlap form one range',
      input: `create_time < "${T}" OR (create_time >= "2025-12-31T00:00:00Z" AND create_time < "2026-01-02T00:00:00Z")`,
      expected: { range: { gte: '0', lt: '2026-01-02T00:00:00.000000000Z' }, matchesNothing: false },
    },
    { name: 'the camelCase field createTime is accepted', input: `createTime >= "${T}"`, expected: { range: { gte: T_KEY }, matchesNothing: false } },
    {
      name: 'create_time_epoch_microseconds >= M starts at that microsecond',
      input: `create_time_epoch_microseconds >= ${MICROS}`,
      expected: { range: { gte: MICROS_KEY }, matchesNothing: false },
    },
    {
      name: 'create_time_epoch_microseconds < M ends before that microsecond',
      input: `create_time_epoch_microseconds < ${MICROS}`,
      expected: { range: { gte: '0', lt: MICROS_KEY }, matchesNothing: false },
    },
    {
      name: 'microseconds in quotes are accepted',
      input: `create_time_epoch_microseconds >= "${MICROS}"`,
      expected: { range: { gte: MICROS_KEY }, matchesNothing: false },
    },
    {
      name: 'the camelCase field createTimeEpochMicroseconds is accepted',
      input: `createTimeEpochMicroseconds >= ${MICROS}`,
      expected: { range: { gte: MICROS_KEY }, matchesNothing: false },
    },
    {
      name: 'zero microseconds is the epoch',
      input: 'create_time_epoch_microseconds >= 0',
      expected: { range: { gte: '1970-01-01T00:00:00.000000000Z' }, matchesNothing: false },
    },
    {
      name: 'the largest microsecond count is accepted',
      input: 'create_time_epoch_microseconds >= 253402300799999999',
      expected: { range: { gte: '9999-12-31T23:59:59.999999000Z' }, matchesNothing: false },
    },
    {
      name: 'microseconds and a timestamp combine into one range',
      input: `create_time_epoch_microseconds >= ${MICROS} AND create_time < "${T}"`,
      expected: { range: { gte: MICROS_KEY, lt: T_KEY }, matchesNothing: false },
    },
    {
      name: 'contradictory bounds match nothing',
      input: `create_time >= "${T}" create_time_epoch_microseconds < ${MICROS}`,
      expected: { range: {}, matchesNothing: true },
    },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    const { canonical: _canonical, ...plan } = planMessageQuery(input);
    expect(plan).toStrictEqual(expected);
  });

  // Microsecond comparisons at microsecond granularity: the message created in M µs and the next one in M+1 µs.
  const microKeys = [
    { name: '> M excludes a message created at M', input: `create_time_epoch_microseconds > ${MICROS}`, key: `${MICROS_KEY}#m1`, expected: false },
    { name: '> M includes a message created at M + 1 µs', input: `create_time_epoch_microseconds > ${MICROS}`, key: '2023-11-14T22:13:20.000001000Z#m1', expected: true },
    { name: '>= M includes a message created at M', input: `create_time_epoch_microseconds >= ${MICROS}`, key: `${MICROS_KEY}#m1`, expected: true },
    { name: '< M excludes a message created at M', input: `create_time_epoch_microseconds < ${MICROS}`, key: `${MICROS_KEY}#m1`, expected: false },
    { name: '< M includes a message created at M - 1 µs', input: `create_time_epoch_microseconds < ${MICROS}`, key: '2023-11-14T22:13:19.999999000Z#m1', expected: true },
    { name: '<= M includes a message created at M', input: `create_time_epoch_microseconds <= ${MICROS}`, key: `${MICROS_KEY}#m1`, expected: true },
    { name: '<= M excludes a message created at M + 1 µs', input: `create_time_epoch_microseconds <= ${MICROS}`, key: '2023-11-14T22:13:20.000001000Z#m1', expected: false },
    { name: '= M includes a message created at M', input: `create_time_epoch_microseconds = ${MICROS}`, key: `${MICROS_KEY}#m1`, expected: true },
    { name: '= M excludes a message created at M + 1 µs', input: `create_time_epoch_microseconds = ${MICROS}`, key: '2023-11-14T22:13:20.000001000Z#m1', expected: false },
    // A create time within microsecond M (nanoseconds after it) is "in" M: the polling idiom must not return it again.
    { name: '> M excludes a message created at M + 500 ns', input: `create_time_epoch_microseconds > ${MICROS}`, key: '2023-11-14T22:13:20.000000500Z#m1', expected: false },
    { name: '<= M includes a message created at M + 500 ns', input: `create_time_epoch_microseconds <= ${MICROS}`, key: '2023-11-14T22:13:20.000000500Z#m1', expected: true },
    { name: '= M includes a message created at M + 999 ns', input: `create_time_epoch_microseconds = ${MICROS}`, key: '2023-11-14T22:13:20.000000999Z#m1', expected: true },
  ];

  it.each(microKeys)('places message sort keys on the right side of the range: $name', ({ input, key, expected }) => {
    expect(inRange(key, planMessageQuery(input).range)).toBe(expected);
  });

  it('gives the same canonical text to microseconds and the equal timestamp', () => {
    expect(planMessageQuery(`create_time_epoch_microseconds >= ${MICROS}`).canonical).toBe(planMessageQuery('create_time >= "2023-11-14T22:13:20Z"').canonical);
  });

  it('gives different canonical texts to different bounds', () => {
    expect(planMessageQuery(`create_time >= "${T}"`).canonical).not.toBe(planMessageQuery(`create_time > "${T}"`).canonical);
  });

  const refused = [
    { name: 'an unsupported field', input: 'participant_role = END_USER', expected: /Filtering messages on 'participant_role' is not supported/ },
    { name: 'a conversation field', input: `start_time > "${T}"`, expected: /Filtering messages on 'start_time'/ },
    { name: 'create_time with !=', input: `create_time != "${T}"`, expected: /create_time cannot be compared with !=/ },
    { name: 'microseconds with !=', input: `create_time_epoch_microseconds != ${MICROS}`, expected: /create_time_epoch_microseconds cannot be compared with !=/ },
    { name: 'a negative microsecond count', input: 'create_time_epoch_microseconds > -1', expected: /whole number of microseconds.*not '-1'/ },
    { name: 'a fractional microsecond count', input: 'create_time_epoch_microseconds > 1.5', expected: /whole number of microseconds.*not '1\.5'/ },
    { name: 'a microsecond count past year 9999', input: 'create_time_epoch_microseconds > 253402300800000000', expected: /not '253402300800000000'/ },
    { name: 'a 19-digit microsecond count', input: 'create_time_epoch_microseconds > 1000000000000000000', expected: /not '1000000000000000000'/ },
    { name: 'a very long microsecond count', input: `create_time_epoch_microseconds > ${'9'.repeat(400)}`, expected: /whole number of microseconds/ },
    { name: 'microseconds as an identifier', input: 'create_time_epoch_microseconds > now', expected: /not 'now'/ },
    { name: 'a non-numeric quoted microsecond count', input: 'create_time_epoch_microseconds > "17e14"', expected: /not '17e14'/ },
    { name: 'a timestamp for the microsecond field', input: `create_time_epoch_microseconds > "${T}"`, expected: /whole number of microseconds/ },
    { name: 'microseconds for the timestamp field', input: `create_time > ${MICROS}`, expected: /create_time must be compared with an RFC 3339 timestamp/ },
    { name: 'a syntax error', input: 'NOT create_time > "x"', expected: /^Invalid filter: Negation/ },
  ];

  it.each(refused)('refuses $name with InvalidFilterError naming the part', ({ input, expected }) => {
    const error = refusal(() => planMessageQuery(input));
    expect(error.message).toMatch(expected);
  });
});

describe('meetsResidual', () => {
  const id = parseConversationName('projects/p/conversations/Cv1')!;
  const state = (endTime: string | null): ConversationState => ({
    ...emptyConversationState(id),
    startTime: '2026-01-15T00:00:00.000000000Z',
    endTime,
    lifecycleState: endTime === null ? 'IN_PROGRESS' : 'COMPLETED',
  });
  const bounded = `start_time >= "${T}" AND end_time >= "2026-01-20T00:00:00Z" AND end_time < "2026-02-01T00:00:00Z"`;

  const cases = [
    { name: 'a plan without a residual accepts a conversation without an end', input: { filter: `start_time >= "${T}"`, endTime: null }, expected: true },
    { name: 'a plan without a residual accepts any end', input: { filter: 'lifecycle_state = COMPLETED', endTime: '2030-01-01T00:00:00.000000000Z' }, expected: true },
    { name: 'an end inside the bounds is accepted', input: { filter: bounded, endTime: '2026-01-25T00:00:00.000000000Z' }, expected: true },
    { name: 'an end at the inclusive lower bound is accepted', input: { filter: bounded, endTime: '2026-01-20T00:00:00.000000000Z' }, expected: true },
    { name: 'an end one nanosecond below the lower bound is refused', input: { filter: bounded, endTime: '2026-01-19T23:59:59.999999999Z' }, expected: false },
    { name: 'an end at the exclusive upper bound is refused', input: { filter: bounded, endTime: '2026-02-01T00:00:00.000000000Z' }, expected: false },
    { name: 'an end one nanosecond below the upper bound is accepted', input: { filter: bounded, endTime: '2026-01-31T23:59:59.999999999Z' }, expected: true },
    { name: 'a conversation without an end is refused', input: { filter: bounded, endTime: null }, expected: false },
    { name: 'an unreadable end time is refused', input: { filter: bounded, endTime: 'not a time' }, expected: false },
    { name: 'an end written with an offset is compared as UTC', input: { filter: bounded, endTime: '2026-02-01T00:30:00+01:00' }, expected: true },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    expect(meetsResidual(planConversationQuery(input.filter), state(input.endTime))).toBe(expected);
  });
});
