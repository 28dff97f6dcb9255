import type { ConversationState } from '../conversationState';
import type { LifecycleState } from '../enums';
import { MAX_TIMESTAMP_NANOS, formatSortableTimestamp, microsToNanos, parseTimestampNanos } from '../timestamps';
import { FilterSyntaxError, isAnd, isOr, parseFilter, type Comparison, type FilterExpression } from './filterGrammar';

/**
 * Filters become Firestore-friendly plans: at most one equality, one range
 * on the single field the page is ordered by (keyset pagination), and, for
 * conversations, a residual time condition checked in memory on the page
 * window (a page may then hold fewer items than its size, as AIP-158 allows).
 */

/** A half-open range [gte, lt) of sort keys (`<sortable time>#<id>`). */
export interface KeyRange {
  gte?: string;
  lt?: string;
}

export type ConversationSortField = 'startSortKey' | 'endSortKey';

export interface ConversationQueryPlan {
  orderBy: ConversationSortField;
  lifecycleState?: LifecycleState;
  range: KeyRange;
  /** True when no conversation can match (contradictory conditions). */
  matchesNothing: boolean;
  /** Conditions on the other time field, checked on each document read. */
  residual?: { field: 'startTime' | 'endTime'; bounds: NanoBounds };
  /** The plan's meaning as text, so that a page token can be bound to it. */
  canonical: string;
}

export interface MessageQueryPlan {
  range: KeyRange;
  matchesNothing: boolean;
  canonical: string;
}

/** Sort keys of known times start with a digit; a conversation without the time has a key starting with '#'. */
const FIRST_TIMED_KEY = '0';

interface NanoBounds {
  /** Inclusive lower bound, nanoseconds since the epoch. */
  lo?: bigint;
  /** Exclusive upper bound. */
  hi?: bigint;
}

export class InvalidFilterError extends Error {
  override name = 'InvalidFilterError';
}

const CONVERSATION_FIELDS: Record<string, 'lifecycleState' | 'startTime' | 'endTime'> = {
  lifecycle_state: 'lifecycleState',
  lifecycleState: 'lifecycleState',
  start_time: 'startTime',
  startTime: 'startTime',
  end_time: 'endTime',
  endTime: 'endTime',
};

const MESSAGE_FIELDS: Record<string, 'createTime' | 'createTimeMicros'> = {
  create_time: 'createTime',
  createTime: 'createTime',
  create_time_epoch_microseconds: 'createTimeMicros',
  createTimeEpochMicroseconds: 'createTimeMicros',
};

export function planConversationQuery(filter: string): ConversationQueryPlan {
  const constraints = evaluate(parse(filter), (comparison) => {
    const field = Object.hasOwn(CONVERSATION_FIELDS, comparison.field) ? CONVERSATION_FIELDS[comparison.field] : undefined;
    if (!field) {
      throw new InvalidFilterError(
        `Filtering conversations on '${comparison.field}' is not supported; the fields are lifecycle_state, start_time and end_time`,
      );
    }
    if (field === 'lifecycleState') return [field, { states: lifecycleStates(comparison) }];
    return [field, { intervals: [interval(comparison, timestampNanos(comparison), 1n)] }];
  });
  const states = constraints.get('lifecycleState')?.states ?? new Set(ALL_LIFECYCLE_STATES);
  const start = oneRange('start_time', constraints.get('startTime'));
  const end = oneRange('end_time', constraints.get('endTime'));
  // Order by the compared time so that its range is the query's; by start time otherwise.
  const orderBy: ConversationSortField = end && !start ? 'endSortKey' : 'startSortKey';
  const primary = orderBy === 'startSortKey' ? start : end;
  const residual = orderBy === 'startSortKey' && end && end !== NOTHING ? { field: 'endTime' as const, bounds: end } : undefined;
  const lifecycleState = states.size === 1 ? [...states][0] : undefined;
  const matchesNothing = states.size === 0 || start === NOTHING || end === NOTHING;
  const range = primary && primary !== NOTHING ? toKeyRange(primary) : {};
  return {
    orderBy,
    ...(lifecycleState ? { lifecycleState } : {}),
    range,
    matchesNothing,
    ...(residual ? { residual } : {}),
    canonical: JSON.stringify({ orderBy, lifecycleState, range, residual: residual && boundsText(residual.bounds), matchesNothing }),
  };
}

/**
 * Dialogflow's `create_time` "only supports milliseconds accuracy", and its polling idiom counts in microseconds:
 * each value stands for the whole unit its field counts in. `create_time > "…02.455Z"` starts after the whole
 * millisecond .455 (a message at .455120 is not after it; digits below the millisecond are dropped), and
 * `create_time_epoch_microseconds > M` starts at M + 1 µs.
 */
export function planMessageQuery(filter: string): MessageQueryPlan {
  const constraints = evaluate(parse(filter), (comparison) => {
    const field = Object.hasOwn(MESSAGE_FIELDS, comparison.field) ? MESSAGE_FIELDS[comparison.field] : undefined;
    if (!field) {
      throw new InvalidFilterError(
        `Filtering messages on '${comparison.field}' is not supported; the fields are create_time and create_time_epoch_microseconds`,
      );
    }
    const bounds =
      field === 'createTime'
        ? interval(comparison, truncate(timestampNanos(comparison), NANOS_PER_MILLISECOND), NANOS_PER_MILLISECOND)
        : interval(comparison, microsecondsNanos(comparison), NANOS_PER_MICROSECOND);
    // Both fields are the message's create time.
    return ['createTime', { intervals: [bounds] }];
  });
  const bounds = oneRange('create_time', constraints.get('createTime'));
  const range = bounds && bounds !== NOTHING ? toKeyRange(bounds) : {};
  const matchesNothing = bounds === NOTHING;
  return { range, matchesNothing, canonical: JSON.stringify({ range, matchesNothing }) };
}

// ---------------------------------------------------------------------------------------------------------------
// A filter, evaluated to what it allows of each field: a set of lifecycle states, or a union of time ranges.
// AND intersects, OR unites; OR across different fields has no one-query plan and is refused by name.
// ---------------------------------------------------------------------------------------------------------------

interface Allowed {
  states?: Set<LifecycleState>;
  intervals?: NanoBounds[];
}
type Constraints = Map<string, Allowed>;

const ALL_LIFECYCLE_STATES: LifecycleState[] = ['IN_PROGRESS', 'COMPLETED'];
const NOTHING: NanoBounds = { lo: 0n, hi: 0n };

function evaluate(expression: FilterExpression, constrain: (comparison: Comparison) => [string, Allowed]): Constraints {
  if (isAnd(expression)) {
    const result: Constraints = new Map();
    for (const term of expression.and) {
      for (const [field, allowed] of evaluate(term, constrain)) {
        const current = result.get(field);
        result.set(field, current ? intersect(current, allowed) : allowed);
      }
    }
    return result;
  }
  if (isOr(expression)) {
    const alternatives = expression.or.map((alternative) => evaluate(alternative, constrain));
    const fields = new Set(alternatives.flatMap((alternative) => [...alternative.keys()]));
    if (alternatives.some((alternative) => alternative.size === 0)) return new Map();
    if (fields.size > 1 || alternatives.some((alternative) => alternative.size !== 1)) {
      throw new InvalidFilterError(`OR can only join conditions on one field, not on ${[...fields].map(filterFieldName).join(' and ')}: no single query serves that`);
    }
    const [field] = fields;
    return new Map([[field!, alternatives.map((alternative) => alternative.get(field!)!).reduce(unite)]]);
  }
  const [field, allowed] = constrain(expression);
  return new Map([[field, allowed]]);
}

function intersect(a: Allowed, b: Allowed): Allowed {
  if (a.states && b.states) return { states: new Set([...a.states].filter((state) => b.states!.has(state))) };
  const pairs = a.intervals!.flatMap((x) => b.intervals!.map((y) => ({ lo: max(x.lo, y.lo), hi: min(x.hi, y.hi) })));
  return { intervals: merge(pairs) };
}

function unite(a: Allowed, b: Allowed): Allowed {
  if (a.states && b.states) return { states: new Set([...a.states, ...b.states]) };
  return { intervals: merge([...a.intervals!, ...b.intervals!]) };
}

/** Sorted, non-empty, and joined where they overlap or touch ([a, b) and [b, c) are [a, c)). */
function merge(intervals: NanoBounds[]): NanoBounds[] {
  const sorted = intervals.filter((i) => !isEmpty(i)).sort((x, y) => (x.lo === y.lo ? 0 : x.lo === undefined ? -1 : y.lo === undefined ? 1 : x.lo < y.lo ? -1 : 1));
  const merged: NanoBounds[] = [];
  for (const next of sorted) {
    const last = merged.at(-1);
    if (last && (last.hi === undefined || (next.lo !== undefined && next.lo <= last.hi))) last.hi = last.hi === undefined || next.hi === undefined ? undefined : max(last.hi, next.hi);
    else merged.push({ ...next });
  }
  return merged;
}

/** The one range a keyset query can page over; NOTHING when no time can match; undefined when unconstrained. */
function oneRange(field: string, allowed: Allowed | undefined): NanoBounds | undefined {
  if (!allowed) return undefined;
  const intervals = allowed.intervals!;
  if (intervals.length === 0) return NOTHING;
  if (intervals.length > 1) {
    throw new InvalidFilterError(`The ${field} conditions joined by OR leave a gap between their ranges; only OR that forms one continuous range can be served`);
  }
  return intervals[0];
}

const max = (a: bigint | undefined, b: bigint | undefined) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);
const min = (a: bigint | undefined, b: bigint | undefined) => (a === undefined ? b : b === undefined ? a : a < b ? a : b);
const filterFieldName = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** Whether a conversation read from the page window also meets the residual condition. */
export function meetsResidual(plan: ConversationQueryPlan, state: ConversationState): boolean {
  if (!plan.residual) return true;
  const value = state[plan.residual.field];
  if (value === null) return false;
  const nanos = parseTimestampNanos(value);
  if (nanos === undefined) return false;
  const { lo, hi } = plan.residual.bounds;
  return (lo === undefined || nanos >= lo) && (hi === undefined || nanos < hi);
}

function parse(filter: string): FilterExpression {
  try {
    return parseFilter(filter);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new InvalidFilterError(`Invalid filter: ${error.message}`);
    throw error;
  }
}

function lifecycleStates(comparison: Comparison): Set<LifecycleState> {
  const value = comparison.value.text;
  if (comparison.value.kind === 'number' || (value !== 'IN_PROGRESS' && value !== 'COMPLETED')) {
    throw new InvalidFilterError(`lifecycle_state can only be compared with "IN_PROGRESS" or "COMPLETED", not '${value.slice(0, 40)}'`);
  }
  if (comparison.operator === '=') return new Set([value]);
  if (comparison.operator === '!=') return new Set(ALL_LIFECYCLE_STATES.filter((state) => state !== value));
  throw new InvalidFilterError(`lifecycle_state can only be compared with = or !=, not ${comparison.operator}`);
}

function timestampNanos(comparison: Comparison): bigint {
  const nanos = comparison.value.kind === 'string' ? parseTimestampNanos(comparison.value.text) : undefined;
  if (nanos === undefined) {
    throw new InvalidFilterError(
      `${comparison.field} must be compared with an RFC 3339 timestamp in quotes, such as "2026-01-31T23:59:59Z", not '${comparison.value.text.slice(0, 40)}'`,
    );
  }
  return nanos;
}

/** Microseconds as Dialogflow's polling idiom writes them; bounded to google.protobuf.Timestamp's range. */
const MAX_MICROS = 253_402_300_799_999_999n;

function microsecondsNanos(comparison: Comparison): bigint {
  const text = comparison.value.text;
  if ((comparison.value.kind !== 'number' && comparison.value.kind !== 'string') || !/^[0-9]{1,18}$/.test(text) || BigInt(text) > MAX_MICROS) {
    throw new InvalidFilterError(
      `${comparison.field} must be compared with a whole number of microseconds since the epoch (0 to ${MAX_MICROS}), not '${text.slice(0, 40)}'`,
    );
  }
  return microsToNanos(BigInt(text));
}

const NANOS_PER_MICROSECOND = 1_000n;
const NANOS_PER_MILLISECOND = 1_000_000n;

/** The times one comparison allows; `step` is the resolution of the compared value (1 ns, 1 µs or 1 ms). */
function interval(comparison: Comparison, nanos: bigint, step: bigint): NanoBounds {
  const bounds: NanoBounds = {};
  narrow(bounds, comparison, nanos, step);
  return bounds;
}

function truncate(nanos: bigint, unit: bigint): bigint {
  const remainder = nanos % unit;
  return remainder < 0n ? nanos - remainder - unit : nanos - remainder;
}

function narrow(bounds: NanoBounds, comparison: Comparison, nanos: bigint, step: bigint): void {
  const raiseLo = (lo: bigint) => (bounds.lo = bounds.lo === undefined || lo > bounds.lo ? lo : bounds.lo);
  const lowerHi = (hi: bigint) => (bounds.hi = bounds.hi === undefined || hi < bounds.hi ? hi : bounds.hi);
  switch (comparison.operator) {
    case '>':
      raiseLo(nanos + step);
      break;
    case '>=':
      raiseLo(nanos);
      break;
    case '<':
      lowerHi(nanos);
      break;
    case '<=':
      lowerHi(nanos + step);
      break;
    case '=':
      raiseLo(nanos);
      lowerHi(nanos + step);
      break;
    case '!=':
      throw new InvalidFilterError(`${comparison.field} cannot be compared with !=; use <, <=, >, >= or =`);
  }
}

function isEmpty(bounds: NanoBounds): boolean {
  return bounds.lo !== undefined && bounds.hi !== undefined && bounds.lo >= bounds.hi;
}

function toKeyRange(bounds: NanoBounds): KeyRange {
  const gte = bounds.lo !== undefined ? formatSortableTimestamp(bounds.lo) : FIRST_TIMED_KEY;
  // An upper bound past the last representable instant bounds nothing.
  const hi = bounds.hi !== undefined && bounds.hi <= MAX_TIMESTAMP_NANOS ? bounds.hi : undefined;
  return { gte: gte < FIRST_TIMED_KEY ? FIRST_TIMED_KEY : gte, ...(hi !== undefined ? { lt: formatSortableTimestamp(hi) } : {}) };
}

function boundsText(bounds: NanoBounds): string {
  return `${bounds.lo ?? ''}..${bounds.hi ?? ''}`;
}
