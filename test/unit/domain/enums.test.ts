import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPE_NUMBERS,
  PARTICIPANT_ROLE_NUMBERS,
  enumToNumber,
  isEventTypeName,
  normalizeEnum,
  type EnumValue,
} from '../../../shared/domain/enums';

describe('normalizeEnum', () => {
  const cases: Array<{ name: string; numbers: Record<string, number>; input: EnumValue; expected: EnumValue }> = [
    { name: 'turns a known event type number into its name', numbers: EVENT_TYPE_NUMBERS, input: 5, expected: 'NEW_MESSAGE' },
    { name: 'turns event type 0 into TYPE_UNSPECIFIED', numbers: EVENT_TYPE_NUMBERS, input: 0, expected: 'TYPE_UNSPECIFIED' },
    { name: 'turns event type 7 into NEW_RECOGNITION_RESULT', numbers: EVENT_TYPE_NUMBERS, input: 7, expected: 'NEW_RECOGNITION_RESULT' },
    { name: 'keeps an unknown number in a gap of the enum (6) as a number', numbers: EVENT_TYPE_NUMBERS, input: 6, expected: 6 },
    { name: 'keeps an unknown number (42) as a number', numbers: EVENT_TYPE_NUMBERS, input: 42, expected: 42 },
    { name: 'keeps a negative number as a number', numbers: EVENT_TYPE_NUMBERS, input: -1, expected: -1 },
    { name: 'keeps a known name as it is', numbers: EVENT_TYPE_NUMBERS, input: 'CONVERSATION_STARTED', expected: 'CONVERSATION_STARTED' },
    { name: 'keeps an unknown name as received', numbers: EVENT_TYPE_NUMBERS, input: 'SOMETHING_NEW', expected: 'SOMETHING_NEW' },
    { name: 'keeps a lowercase name as received', numbers: EVENT_TYPE_NUMBERS, input: 'new_message', expected: 'new_message' },
    { name: 'turns a participant role number into its name', numbers: PARTICIPANT_ROLE_NUMBERS, input: 3, expected: 'END_USER' },
  ];
  it.each(cases)('$name', ({ numbers, input, expected }) => {
    expect(normalizeEnum(numbers, input)).toBe(expected);
  });
});

describe('enumToNumber', () => {
  const cases: Array<{ name: string; numbers: Record<string, number>; input: EnumValue; expected: EnumValue }> = [
    { name: 'turns a known name into its number', numbers: EVENT_TYPE_NUMBERS, input: 'NEW_MESSAGE', expected: 5 },
    { name: 'turns the unspecified name into 0', numbers: PARTICIPANT_ROLE_NUMBERS, input: 'ROLE_UNSPECIFIED', expected: 0 },
    { name: 'keeps an unknown name as received', numbers: EVENT_TYPE_NUMBERS, input: 'SOMETHING_NEW', expected: 'SOMETHING_NEW' },
    { name: 'keeps an Object.prototype method name as received', numbers: EVENT_TYPE_NUMBERS, input: 'toString', expected: 'toString' },
    { name: 'keeps __proto__ as received', numbers: EVENT_TYPE_NUMBERS, input: '__proto__', expected: '__proto__' },
    { name: 'keeps a known number as it is', numbers: EVENT_TYPE_NUMBERS, input: 2, expected: 2 },
    { name: 'keeps an unknown number as it is', numbers: EVENT_TYPE_NUMBERS, input: 42, expected: 42 },
  ];
  it.each(cases)('$name', ({ numbers, input, expected }) => {
    expect(enumToNumber(numbers, input)).toBe(expected);
  });

  it('round-trips every known name through its number', () => {
    for (const name of Object.keys(EVENT_TYPE_NUMBERS)) {
      expect(normalizeEnum(EVENT_TYPE_NUMBERS, enumToNumber(EVENT_TYPE_NUMBERS, name))).toBe(name);
    }
  });
});

describe('isEventTypeName', () => {
  const cases = [
    { name: 'recognizes a known event type name', input: 'CONVERSATION_FINISHED' as EnumValue, expected: true },
    { name: 'does not recognize an unknown name', input: 'SOMETHING_NEW' as EnumValue, expected: false },
    { name: 'does not recognize a number', input: 2 as EnumValue, expected: false },
    { name: 'does not recognize an inherited property name', input: 'constructor' as EnumValue, expected: false },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(isEventTypeName(input)).toBe(expected);
  });
});
