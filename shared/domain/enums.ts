/**
 * Dialogflow enums. proto3 JSON allows an enum as its name or its number,
 * and a newer API may send values we have never heard of: those are kept
 * as they came (a number stays a number) rather than dropped.
 */

export const EVENT_TYPE_NUMBERS = {
  TYPE_UNSPECIFIED: 0,
  CONVERSATION_STARTED: 1,
  CONVERSATION_FINISHED: 2,
  HUMAN_INTERVENTION_NEEDED: 3,
  UNRECOVERABLE_ERROR: 4,
  NEW_MESSAGE: 5,
  NEW_RECOGNITION_RESULT: 7,
} as const;
export type EventTypeName = keyof typeof EVENT_TYPE_NUMBERS;

export const PARTICIPANT_ROLE_NUMBERS = {
  ROLE_UNSPECIFIED: 0,
  HUMAN_AGENT: 1,
  AUTOMATED_AGENT: 2,
  END_USER: 3,
} as const;

export const LIFECYCLE_STATE_NUMBERS = {
  LIFECYCLE_STATE_UNSPECIFIED: 0,
  IN_PROGRESS: 1,
  COMPLETED: 2,
} as const;
export type LifecycleState = 'IN_PROGRESS' | 'COMPLETED';

export const CONVERSATION_STAGE_NUMBERS = {
  CONVERSATION_STAGE_UNSPECIFIED: 0,
  VIRTUAL_AGENT_STAGE: 1,
  HUMAN_ASSIST_STAGE: 2,
} as const;

export type EnumValue = string | number;

/** The enum's name when known (from a name or a number), otherwise the value as received. */
export function normalizeEnum(numbers: Readonly<Record<string, number>>, value: EnumValue): EnumValue {
  if (typeof value === 'string') return value;
  const name = Object.keys(numbers).find((key) => numbers[key] === value);
  return name ?? value;
}

/** The enum's number when known, for `$alt=json;enum-encoding=int` responses. */
export function enumToNumber(numbers: Readonly<Record<string, number>>, value: EnumValue): EnumValue {
  if (typeof value === 'number') return value;
  return Object.hasOwn(numbers, value) ? numbers[value]! : value;
}

export function isEventTypeName(value: EnumValue): value is EventTypeName {
  return typeof value === 'string' && Object.hasOwn(EVENT_TYPE_NUMBERS, value);
}
