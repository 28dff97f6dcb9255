import { safeParse, type core } from 'zod/mini';
import { isObject } from './jsonShape';
import { PARSE_OPTIONS } from './validation';

/**
 * A faster parse of the deliveries that are valid, compiled from a zod
 * schema's own definition: the same shapes, the same checks (zod's own check
 * functions run), the same transforms, without zod's per-node bookkeeping
 * (a payload and an issue list for every field, pipes, issue paths), which
 * is most of what a valid push costs us on the CPU (npm run bench).
 *
 * The compiled parser only ever accepts: at the first doubt (a failed check,
 * a transform that adds an issue, a kind of schema it does not know) it
 * declines, and zod parses the value as before, with its issues. A value
 * the fast path accepts comes out exactly as zod's (same keys in the same
 * order, same transforms): test/unit/fastParse.test.ts holds the two
 * against each other on random valid and invalid events.
 */
export function withFastPath<Schema extends core.$ZodType>(schema: Schema): (value: unknown) => core.util.SafeParseResult<core.output<Schema>> {
  // Compiled at the first parse, not at load: a cold start compiles only what its first request parses (a message
  // delivery never parses a stored conversation state).
  let fast: FastParse | undefined | null = null;
  return (value) => {
    if (fast === null) fast = compile(schema);
    if (fast) {
      const parsed = fast(value);
      if (parsed !== DECLINED) return { success: true, data: parsed as core.output<Schema> };
    }
    return safeParse(schema, value, PARSE_OPTIONS);
  };
}

const DECLINED: unique symbol = Symbol('declined');
type FastParse = (value: unknown) => unknown;
type Internals = core.$ZodTypeInternals & { def: Record<string, unknown> & { type: string; checks?: core.$ZodCheck[] } };

/**
 * Parsers that decline exactly when zod fails: only these may be options
 * of a union, where declining one option means trying the next, as zod does.
 */
const exact = new WeakSet<FastParse>();

function internals(schema: unknown): Internals {
  return (schema as { _zod: Internals })._zod;
}

/** The compiled parser of a schema, or undefined when it has a part this compiler does not know. */
export function compile(schema: unknown): FastParse | undefined {
  const zod = internals(schema);
  const parse = compileType(zod);
  // A schema that is itself a check (z.int(), a string format) runs first, as zod runs it.
  const ownChecks = zod.def.checks ?? [];
  const checks = zod.traits.has('$ZodCheck') ? [schema as core.$ZodCheck, ...ownChecks] : ownChecks;
  if (!parse || checks.length === 0) return parse;
  const checked: FastParse = (value) => {
    const parsed = parse(value);
    return parsed === DECLINED ? DECLINED : runChecks(parsed, checks);
  };
  if (exact.has(parse)) exact.add(checked);
  return checked;
}

/** zod's own checks, in order, as zod runs them on a value with no issue yet (a `when` may skip one). */
function runChecks(value: unknown, checks: core.$ZodCheck[]): unknown {
  const payload: core.ParsePayload = { value, issues: [] };
  for (const check of checks) {
    const { when } = check._zod.def;
    if (when && !when(payload)) continue;
    const result: unknown = check._zod.check(payload as core.ParsePayload<never>);
    if (result instanceof Promise || payload.issues.length > 0) return DECLINED;
  }
  return payload.value;
}

function leaf(test: (value: unknown) => boolean): FastParse {
  const parse: FastParse = (value) => (test(value) ? value : DECLINED);
  exact.add(parse);
  return parse;
}

function compileType(zod: Internals): FastParse | undefined {
  const def = zod.def;
  if (def['coerce']) return undefined;
  switch (def.type) {
    case 'string':
      return leaf((value) => typeof value === 'string');
    case 'number':
      return leaf((value) => typeof value === 'number' && Number.isFinite(value));
    case 'boolean':
      return leaf((value) => typeof value === 'boolean');
    case 'unknown':
    case 'any':
      return leaf(() => true);
    case 'enum':
    case 'literal': {
      const values = zod.values;
      return values ? leaf((value) => values.has(value as never)) : undefined;
    }
    case 'optional':
      return compileOptional(def['innerType']);
    case 'nullable':
      return compileNullable(def['innerType']);
    case 'pipe':
      return compilePipe(def['in'], def['out']);
    case 'transform':
      return compileTransform(def['transform'] as (value: unknown, context: unknown) => unknown);
    case 'union':
      return compileUnion(def['options'] as unknown[]);
    case 'array':
      return compileArray(def['element']);
    case 'record':
      return compileRecord(def['keyType'], def['valueType']);
    case 'object':
      return compileObject(def['shape'] as Record<string, unknown>, def['catchall']);
    default:
      return undefined;
  }
}

function compileOptional(innerType: unknown): FastParse | undefined {
  if (internals(innerType).optin === 'defaulted') return undefined;
  const inner = compile(innerType);
  if (!inner) return undefined;
  const parse: FastParse = (value) => (value === undefined ? undefined : inner(value));
  if (exact.has(inner)) exact.add(parse);
  return parse;
}

function compileNullable(innerType: unknown): FastParse | undefined {
  const inner = compile(innerType);
  if (!inner) return undefined;
  const parse: FastParse = (value) => (value === null ? null : inner(value));
  if (exact.has(inner)) exact.add(parse);
  return parse;
}

function compilePipe(first: unknown, then: unknown): FastParse | undefined {
  const parseFirst = compile(first);
  const parseThen = compile(then);
  if (!parseFirst || !parseThen) return undefined;
  return (value) => {
    const middle = parseFirst(value);
    return middle === DECLINED ? DECLINED : parseThen(middle);
  };
}

/** A transform (or a preprocess) runs as zod runs it; one that adds an issue, or is async, declines. */
function compileTransform(transform: (value: unknown, context: unknown) => unknown): FastParse {
  return (value) => {
    const issues: unknown[] = [];
    const output = transform(value, { value, issues, addIssue: (issue: unknown) => issues.push(issue) });
    return output instanceof Promise || issues.length > 0 ? DECLINED : output;
  };
}

function compileUnion(options: unknown[]): FastParse | undefined {
  const parsers = options.map(compile);
  if (!parsers.every((parse): parse is FastParse => parse !== undefined && exact.has(parse))) return undefined;
  // zod returns the first option that parses without an issue.
  const parse: FastParse = (value) => {
    for (const option of parsers) {
      const parsed = option(value);
      if (parsed !== DECLINED) return parsed;
    }
    return DECLINED;
  };
  exact.add(parse);
  return parse;
}

function compileArray(element: unknown): FastParse | undefined {
  const parseElement = compile(element);
  if (!parseElement) return undefined;
  return (value) => {
    if (!Array.isArray(value)) return DECLINED;
    const output = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const parsed = parseElement(value[i]);
      if (parsed === DECLINED) return DECLINED;
      output[i] = parsed;
    }
    return output;
  };
}

/** Records keyed by any string (a key schema with checks, an enum or symbols: zod parses those). */
function compileRecord(keyType: unknown, valueType: unknown): FastParse | undefined {
  const key = internals(keyType);
  if (key.def.type !== 'string' || (key.def.checks?.length ?? 0) > 0 || key.values) return undefined;
  const parseValue = compile(valueType);
  if (!parseValue) return undefined;
  return (value) => {
    if (!isPlainObject(value) || Object.getOwnPropertySymbols(value).length > 0) return DECLINED;
    const output: Record<string, unknown> = {};
    for (const name of Object.keys(value)) {
      if (name === '__proto__') continue;
      const parsed = parseValue(value[name]);
      if (parsed === DECLINED) return DECLINED;
      output[name] = parsed;
    }
    return output;
  };
}

/**
 * An object as zod builds it: the shape's keys first, in the shape's order
 * (an absent optional key stays absent), then, for a loose object, the
 * other keys as received; a strict object with other keys declines.
 */
function compileObject(shape: Record<string, unknown>, catchall: unknown): FastParse | undefined {
  const catchallType = catchall === undefined ? 'strip' : internals(catchall).def.type;
  if (catchallType !== 'strip' && catchallType !== 'unknown' && catchallType !== 'never') return undefined;
  const keys = Object.keys(shape);
  const fields: Array<{ key: string; parse: FastParse; omittable: boolean }> = [];
  for (const key of keys) {
    const parse = compile(shape[key]);
    if (!parse || key === '__proto__') return undefined;
    const { optin, optout } = internals(shape[key]);
    fields.push({ key, parse, omittable: optin === 'optional' && optout === 'optional' });
  }
  const known = new Set(keys);
  return (value) => {
    if (!isObject(value)) return DECLINED;
    const output: Record<string, unknown> = {};
    for (const { key, parse, omittable } of fields) {
      if (!(key in value)) {
        if (omittable) continue;
        return DECLINED;
      }
      const parsed = parse(value[key]);
      if (parsed === DECLINED) return DECLINED;
      output[key] = parsed;
    }
    if (catchallType === 'strip') return output;
    for (const key in value) {
      if (known.has(key) || key === '__proto__') continue;
      if (catchallType === 'never') return DECLINED;
      output[key] = value[key];
    }
    return output;
  };
}

/** zod's test for a record: an object whose prototype is Object's (or none), as JSON.parse makes them. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
