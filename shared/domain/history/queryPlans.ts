import type { ConversationState } from '../conversationState';
import type { LifecycleState } from '../enums';
import { MAX_TIMESTAMP_NANOS, formatSortableTimestamp, microsToNanos, parseTimestampNanos } from '../timestamps';
import { FilterSyntaxError, parseFilter, type Comparison } from './filterGrammar';

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
  const comparisons = parse(filter);
  const states = new Set<LifecycleState>(['IN_PROGRESS', 'COMPLETED']);
  const start: NanoBounds = {};
  const end: NanoBounds = {};
  let startCompared = false;
  let endCompared = false;
  for (const comparison of comparisons) {
    const field = Object.hasOwn(CONVERSATION_FIELDS, comparison.field) ? CONVERSATION_FIELDS[comparison.field] : undefined;
    if (!field) {
      throw new InvalidFilterError(
        `Filtering conversations on '${comparison.field}' is not supported; the fields are lifecycle_state, start_time and end_time`,
      );
    }
    if (field === 'lifecycleState') {
      narrowLifecycleState(states, comparison);
    } else if (field === 'startTime') {
      startCompared = true;
      narrow(start, comparison, timestampNanos(comparison), 1n);
    } else {
      endCompared = true;
      narrow(end, comparison, timestampNanos(comparison), 1n);
    }
  }
  // Order by the compared time so that its range is the query's; by start time otherwise.
  const orderBy: ConversationSortField = endCompared && !startCompared ? 'endSortKey' : 'startSortKey';
  const primary = orderBy === 'startSortKey' ? start : end;
  const primaryCompared = orderBy === 'startSortKey' ? startCompared : endCompared;
  const residual = orderBy === 'startSortKey' && endCompared ? { field: 'endTime' as const, bounds: end } : undefined;
  const lifecycleState = states.size === 1 ? [...states][0] : undefined;
  const matchesNothing = states.size === 0 || isEmpty(start) || isEmpty(end);
  const range = primaryCompared ? toKeyRange(primary) : {};
  return {
    orderBy,
    ...(lifecycleState ? { lifecycleState } : {}),
    range,
    matchesNothing,
    ...(residual ? { residual } : {}),
    canonical: JSON.stringify({ orderBy, lifecycleState, range, residual: residual && boundsText(residual.bounds), matchesNothing }),
  };
}

export function planMessageQuery(filter: string): MessageQueryPlan {
  const comparisons = parse(filter);
  const bounds: NanoBounds = {};
  for (const comparison of comparisons) {
    const field = Object.hasOwn(MESSAGE_FIELDS, comparison.field) ? MESSAGE_FIELDS[comparison.field] : undefined;
    if (!field) {
      throw new InvalidFilterError(
        `Filtering messages on '${comparison.field}' is not supported; the fields are create_time and create_time_epoch_microseconds`,
      );
    }
    // A number of microseconds stands for the whole microsecond: `> M` starts at M + 1 µs.
    if (field === 'createTime') narrow(bounds, comparison, timestampNanos(comparison), 1n);
    else narrow(bounds, comparison, microsecondsNanos(comparison), NANOS_PER_MICROSECOND);
  }
  const range = comparisons.length > 0 ? toKeyRange(bounds) : {};
  const matchesNothing = isEmpty(bounds);
  return { range, matchesNothing, canonical: JSON.stringify({ range, matchesNothing }) };
}

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

function parse(filter: string): Comparison[] {
  try {
    return parseFilter(filter);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new InvalidFilterError(`Invalid filter: ${error.message}`);
    throw error;
  }
}

function narrowLifecycleState(states: Set<LifecycleState>, comparison: Comparison): void {
  const value = comparison.value.text;
  if (comparison.value.kind === 'number' || (value !== 'IN_PROGRESS' && value !== 'COMPLETED')) {
    throw new InvalidFilterError(`lifecycle_state can only be compared with "IN_PROGRESS" or "COMPLETED", not '${value.slice(0, 40)}'`);
  }
  if (comparison.operator === '=') {
    for (const state of [...states]) if (state !== value) states.delete(state);
  } else if (comparison.operator === '!=') {
    states.delete(value);
  } else {
    throw new InvalidFilterError(`lifecycle_state can only be compared with = or !=, not ${comparison.operator}`);
  }
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

/** Narrows the bounds by one comparison; `step` is the resolution of the compared value (1 ns, or 1 µs). */
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
