import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES, canonicalJson, findJsonShapeProblem } from '../../../shared/domain/jsonShape';

/** `levels` objects nested in one another around `leaf`; the outermost is at depth 0. */
const nested = (levels: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};
const nestedArrays = (levels: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe('findJsonShapeProblem', () => {
  const accepted = [
    { name: 'accepts null', input: null },
    { name: 'accepts a number', input: 1 },
    { name: 'accepts a string that mentions __proto__', input: '__proto__' },
    { name: 'accepts an empty object', input: {} },
    { name: 'accepts an empty array', input: [] },
    { name: 'accepts objects in arrays in objects', input: { a: [{ b: 1 }, { c: [null] }] } },
    { name: 'accepts constructor and prototype keys, which copies keep as data', input: JSON.parse('{"constructor":{"prototype":{}}}') },
    { name: 'accepts a key that only contains __proto__', input: JSON.parse('{"__proto__x":1,"x__proto__":2}') },
    { name: `accepts objects nested ${MAX_JSON_DEPTH} levels around a value`, input: nested(MAX_JSON_DEPTH, 1) },
    { name: `accepts an empty object at depth ${MAX_JSON_DEPTH - 1}`, input: nested(MAX_JSON_DEPTH - 1, {}) },
    { name: `accepts arrays nested ${MAX_JSON_DEPTH} levels around a value`, input: nestedArrays(MAX_JSON_DEPTH, 'x') },
  ];
  it.each(accepted)('$name', ({ input }) => {
    expect(findJsonShapeProblem(input)).toBeUndefined();
  });

  const refused = [
    { name: 'refuses a top-level __proto__ key', input: JSON.parse('{"__proto__":{"polluted":true}}'), expected: "the JSON has a '__proto__' key (at '__proto__'), which cannot be stored faithfully" },
    { name: 'refuses a nested __proto__ key, naming its path', input: JSON.parse('{"a":{"b":{"__proto__":1}}}'), expected: "the JSON has a '__proto__' key (at 'a.b.__proto__'), which cannot be stored faithfully" },
    { name: 'refuses a __proto__ key inside an array', input: JSON.parse('{"x":[1,{"__proto__":null}]}'), expected: "the JSON has a '__proto__' key (at 'x[1].__proto__'), which cannot be stored faithfully" },
    { name: 'refuses a __proto__ key in an object inside a top-level array', input: JSON.parse('[{"__proto__":[]}]'), expected: "the JSON has a '__proto__' key (at '[0].__proto__'), which cannot be stored faithfully" },
    { name: 'refuses a __proto__ key deep down', input: nested(40, JSON.parse('{"__proto__":1}')), expected: `the JSON has a '__proto__' key (at '${Array(40).fill('a').join('.')}.__proto__'), which cannot be stored faithfully` },
    { name: `refuses an empty object at depth ${MAX_JSON_DEPTH}`, input: nested(MAX_JSON_DEPTH, {}), expected: /^the JSON is nested deeper than 64 levels \(at 'a(\.a){63}'\)$/ },
    { name: `refuses arrays nested ${MAX_JSON_DEPTH + 1} levels`, input: nestedArrays(MAX_JSON_DEPTH + 1, 1), expected: /nested deeper than 64 levels/ },
  ];
  it.each(refused)('$name', ({ input, expected }) => {
    const problem = findJsonShapeProblem(input);
    expect(problem?.kind).toBe('unsafe');
    if (typeof expected === 'string') expect(problem?.description).toBe(expected);
    else expect(problem?.description).toMatch(expected);
  });

  it('refuses JSON nested 100,000 levels without overflowing the stack', () => {
    expect(findJsonShapeProblem(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))?.description).toMatch(/nested deeper than 64 levels/);
  });

  // `{}` is 3 bytes of JSON: a body within its byte cap holds 230 000 of them, each a cost in every later step.
  const counted = [
    { name: `accepts ${MAX_JSON_VALUES} values, the array itself included`, input: Array(MAX_JSON_VALUES - 1).fill(0), expected: undefined },
    { name: `refuses ${MAX_JSON_VALUES + 1} values as too many`, input: Array(MAX_JSON_VALUES).fill(0), expected: 'too_many_values' },
    { name: 'counts empty objects', input: { parts: Array.from({ length: MAX_JSON_VALUES }, () => ({})) }, expected: 'too_many_values' },
    { name: 'counts the keys of one object', input: Object.fromEntries(Array.from({ length: MAX_JSON_VALUES }, (_, i) => [`k${i}`, null])), expected: 'too_many_values' },
    { name: 'counts one long string as one value', input: { content: 'x'.repeat(600_000) }, expected: undefined },
  ];
  it.each(counted)('$name', ({ input, expected }) => {
    expect(findJsonShapeProblem(input)?.kind).toBe(expected);
  });

  it('names fields with the describer it is given, so that keys a caller wrote need not appear', () => {
    const problem = findJsonShapeProblem(JSON.parse('{"secret text":[{"__proto__":1}]}'), (path) => path.map((segment) => (segment === 'secret text' ? '<unknown key>' : String(segment))).join('/'));
    expect(problem?.description).toBe("the JSON has a '__proto__' key (at '<unknown key>/0/__proto__'), which cannot be stored faithfully");
  });
});

describe('canonicalJson', () => {
  const cases = [
    { name: 'sorts object keys', input: { b: 1, a: 2 }, expected: '{"a":2,"b":1}' },
    { name: 'sorts keys of nested objects', input: { z: { y: 1, x: [{ d: 1, c: 2 }] }, a: null }, expected: '{"a":null,"z":{"x":[{"c":2,"d":1}],"y":1}}' },
    { name: 'keeps array order', input: [3, 1, 2], expected: '[3,1,2]' },
    { name: 'writes a string as JSON', input: 'x"y', expected: '"x\\"y"' },
    { name: 'writes null', input: null, expected: 'null' },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(canonicalJson(input)).toBe(expected);
  });

  it('gives the same text for the same object built in another key order', () => {
    expect(canonicalJson({ b: { d: 1, c: 2 }, a: [1] })).toBe(canonicalJson({ a: [1], b: { c: 2, d: 1 } }));
  });

  const reverseKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(reverseKeys);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).reverse().map(([key, inner]) => [key, reverseKeys(inner)]));
  };

  it('does not depend on key order, and keeps the value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(reverseKeys(value))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
