import Long from 'long';
import protobuf from 'protobufjs/light.js';
import type { ProtobufEventReader } from '../domain/decodeDelivery';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../domain/jsonShape';
import { formatProtoTimestamp } from '../domain/timestamps';
import { CONVERSATION_EVENT_TYPE, loadConversationEventDescriptor } from './conversationEventDescriptor';
import type { ReducedDescriptor } from './reduceDescriptor';

// 64-bit integers as Long (exact), not as doubles, also where the bundle cannot `require('long')` at run time.
protobuf.util.Long = Long;
protobuf.configure();

/**
 * The PROTO message format's adapter: reads a ConversationEvent serialized
 * as protobuf into the proto3 JSON that the JSON message format carries
 * (camelCase names, enums by name, 64-bit integers as strings, bytes as
 * base64, Timestamp in RFC 3339 with every nanosecond, Duration, Struct,
 * Value and Any in their JSON forms), so that one pipeline stores both.
 *
 * The descriptor is built at first use: a function instance that never
 * receives a PROTO delivery never pays for it.
 */
export function createProtobufEventReader(loadDescriptor: () => ReducedDescriptor = loadConversationEventDescriptor): ProtobufEventReader {
  let eventType: protobuf.Type | undefined;
  return (data) => {
    eventType ??= protobuf.Root.fromJSON(loadDescriptor()).resolveAll().lookupType(CONVERSATION_EVENT_TYPE);
    let unknownFields: boolean;
    let message: protobuf.Message & Record<string, unknown>;
    const budget = newBudget();
    try {
      // Checked first: protobufjs's decoder trusts wire types, and format detection must not; nor may it expand
      // 2 bytes into an object before counting them.
      unknownFields = inspectWire(eventType, protobuf.Reader.create(data), data.byteLength, budget, 0);
      message = eventType.decode(data) as protobuf.Message & Record<string, unknown>;
    } catch (error) {
      if (error instanceof TooLargeError) return { tooLarge: error.message };
      return undefined;
    }
    try {
      return { event: messageToJson(eventType, message, budget) as Record<string, unknown>, unknownFields };
    } catch (error) {
      if (error instanceof TooLargeError) return { tooLarge: error.message };
      throw error;
    }
  };
}

/**
 * What may be built from one delivery's bytes, counted on the wire before
 * protobufjs builds anything: every field occurrence, map entry and packed
 * number becomes one JSON value, as in the domain's own MAX_JSON_VALUES.
 * Nesting: a JSON level takes at most three protobuf levels (Value, Struct,
 * its map entry), so no payload within MAX_JSON_DEPTH is refused here.
 */
interface WireBudget {
  values: number;
}
const MAX_WIRE_DEPTH = 3 * MAX_JSON_DEPTH + 8;
const newBudget = (): WireBudget => ({ values: MAX_JSON_VALUES });

class TooLargeError extends Error {}

function spend(budget: WireBudget, values: number): void {
  budget.values -= values;
  if (budget.values < 0) throw new TooLargeError(`it holds more than ${MAX_JSON_VALUES} values (fields, list elements and map entries)`);
}

const WIRE = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;
const SCALAR_WIRE: Record<string, number> = {
  double: WIRE.fixed64,
  fixed64: WIRE.fixed64,
  sfixed64: WIRE.fixed64,
  float: WIRE.fixed32,
  fixed32: WIRE.fixed32,
  sfixed32: WIRE.fixed32,
  string: WIRE.lengthDelimited,
  bytes: WIRE.lengthDelimited,
};

/**
 * Walks the serialized message: throws where it is not a well-formed message
 * of `type` (a known field with the wrong wire type, truncated data, field
 * number 0), and says whether it carries fields the descriptor does not know
 * (protobufjs skips them silently; the caller keeps the bytes then).
 */
function inspectWire(type: protobuf.Type, reader: protobuf.Reader, end: number, budget: WireBudget, depth: number): boolean {
  if (depth > MAX_WIRE_DEPTH) throw new TooLargeError(`it is nested deeper than ${MAX_WIRE_DEPTH} messages`);
  let unknown = false;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === 0) throw new Error('field number 0');
    const field = type.fieldsById[id];
    if (!field) {
      unknown = true; // kept as bytes, not expanded: nothing to count
      reader.skipType(wireType);
      continue;
    }
    spend(budget, 1);
    const isMessage = field.resolvedType instanceof protobuf.Type;
    const expected = field.map || isMessage ? WIRE.lengthDelimited : (SCALAR_WIRE[field.type] ?? WIRE.varint);
    // Repeated numbers may come packed (length-delimited) or one by one.
    const packedRepeated = field.repeated && !isMessage && expected !== WIRE.lengthDelimited && wireType === WIRE.lengthDelimited;
    if (wireType !== expected && !packedRepeated) throw new Error(`field ${id} has wire type ${wireType}`);
    if (packedRepeated) {
      const length = reader.uint32();
      if (reader.pos + length > end) throw new Error('truncated');
      spend(budget, length); // at least one byte per number
      reader.skip(length);
    } else if (field.map || isMessage) {
      const length = reader.uint32();
      const fieldEnd = reader.pos + length;
      if (fieldEnd > end) throw new Error('truncated');
      const inspected = field.map ? inspectMapEntry(field, reader, fieldEnd, budget, depth) : inspectWire(field.resolvedType as protobuf.Type, reader, fieldEnd, budget, depth + 1);
      unknown = inspected || unknown;
      reader.pos = fieldEnd;
    } else {
      reader.skipType(wireType);
    }
  }
  if (reader.pos !== end) throw new Error('truncated');
  return unknown;
}

/**
 * A map entry is a message of a key (field 1) and a value (field 2): a value that is a message (a Struct's Value)
 * is walked and counted like any other.
 */
function inspectMapEntry(field: protobuf.Field, reader: protobuf.Reader, end: number, budget: WireBudget, depth: number): boolean {
  let unknown = false;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const valueType = field.resolvedType;
    if (tag >>> 3 === 2 && valueType instanceof protobuf.Type) {
      if ((tag & 7) !== WIRE.lengthDelimited) throw new Error(`map ${field.name} has a value of wire type ${tag & 7}`);
      const length = reader.uint32();
      const valueEnd = reader.pos + length;
      if (valueEnd > end) throw new Error('truncated');
      unknown = inspectWire(valueType, reader, valueEnd, budget, depth + 1) || unknown;
      reader.pos = valueEnd;
    } else {
      reader.skipType(tag & 7);
    }
  }
  if (reader.pos !== end) throw new Error('truncated');
  return unknown;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A message of `type` as proto3 JSON. Also for the plain objects Google's Node clients return (enums by name,
 * 64-bit integers as strings, defaults filled in): read them with `type.fromObject` first. With a budget (bytes
 * from a caller), the messages packed in an Any are counted against it before they are decoded.
 */
export function messageToJson(type: protobuf.Type, message: protobuf.Message & Record<string, unknown>, budget?: WireBudget): Json {
  switch (type.fullName) {
    case '.google.protobuf.Timestamp':
      return formatProtoTimestamp(BigInt(String(message['seconds'] ?? 0)) * 1_000_000_000n + BigInt(Number(message['nanos'] ?? 0)));
    case '.google.protobuf.Duration':
      return formatDuration(BigInt(String(message['seconds'] ?? 0)), Number(message['nanos'] ?? 0));
    case '.google.protobuf.Struct':
      return structToJson(message);
    case '.google.protobuf.Value':
      return valueToJson(message);
    case '.google.protobuf.ListValue':
      return ((message['values'] as Array<Record<string, unknown>> | undefined) ?? []).map(valueToJson);
    case '.google.protobuf.Any':
      return anyToJson(type, message, budget);
  }
  const json: { [key: string]: Json } = {};
  // Declaration order, as Google's JSON printers write it; only what the wire carried (own properties).
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(message, field.name)) continue;
    const value = message[field.name];
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > 0) json[field.name] = Object.fromEntries(entries.map(([key, item]) => [key, fieldValueToJson(field, item, budget)]));
    } else if (field.repeated) {
      if ((value as unknown[]).length > 0) json[field.name] = (value as unknown[]).map((item) => fieldValueToJson(field, item, budget));
    } else if (field.partOf !== null || !isDefault(field, value)) {
      // proto3 writes no default scalars; a oneof member (or proto3 `optional`) is written even when it is the default.
      json[field.name] = fieldValueToJson(field, value, budget);
    }
  }
  return json;
}

function fieldValueToJson(field: protobuf.Field, value: unknown, budget: WireBudget | undefined): Json {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, value as protobuf.Message & Record<string, unknown>, budget);
  if (resolved instanceof protobuf.Enum) return resolved.valuesById[value as number] ?? (value as number);
  if (Long.isLong(value) || typeof value === 'bigint') return String(value);
  if (field.type.endsWith('64')) return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'number') return numberToJson(value, field.type === 'float');
  return value as Json;
}

function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (field.resolvedType instanceof protobuf.Type) return false;
  if (Long.isLong(value)) return value.isZero();
  if (value instanceof Uint8Array) return value.byteLength === 0;
  return value === 0 || value === '' || value === false;
}

/** NaN and the infinities as proto3 JSON strings; a float32 as the shortest decimal that reads back as the same float32. */
function numberToJson(value: number, isFloat32: boolean): Json {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (!isFloat32) return value;
  for (let digits = 1; digits < 17; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function formatDuration(seconds: bigint, nanos: number): string {
  const negative = seconds < 0n || nanos < 0;
  const whole = (negative ? -seconds : seconds).toString();
  let fraction = String(Math.abs(nanos)).padStart(9, '0');
  while (fraction.length > 0 && fraction.endsWith('000')) fraction = fraction.slice(0, -3);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}s`;
}

function structToJson(message: Record<string, unknown>): Json {
  const fields = (message['fields'] ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, valueToJson(value)]));
}

function valueToJson(value: Record<string, unknown>): Json {
  const has = (name: string) => Object.prototype.hasOwnProperty.call(value, name);
  if (has('structValue')) return structToJson(value['structValue'] as Record<string, unknown>);
  if (has('listValue')) return ((value['listValue'] as { values?: Array<Record<string, unknown>> }).values ?? []).map(valueToJson);
  if (has('stringValue')) return value['stringValue'] as string;
  if (has('numberValue')) return numberToJson(value['numberValue'] as number, false);
  if (has('boolValue')) return value['boolValue'] as boolean;
  return null;
}

const SPECIAL_JSON_TYPES = new Set(['.google.protobuf.Timestamp', '.google.protobuf.Duration', '.google.protobuf.Struct', '.google.protobuf.Value', '.google.protobuf.ListValue']);

/**
 * An Any whose type the descriptor knows is written as proto3 JSON does; one
 * it does not know keeps its bytes as base64 beside its type URL, so nothing is lost.
 */
function anyToJson(type: protobuf.Type, message: Record<string, unknown>, budget: WireBudget | undefined): Json {
  const typeUrl = String(message['type_url'] ?? message['typeUrl'] ?? '');
  const bytes = (message['value'] as Uint8Array | undefined) ?? new Uint8Array();
  const packed = type.root.lookup(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  if (packed instanceof protobuf.Type) {
    try {
      if (budget) inspectWire(packed, protobuf.Reader.create(bytes), bytes.byteLength, budget, 0);
      const json = messageToJson(packed, packed.decode(bytes) as protobuf.Message & Record<string, unknown>, budget);
      return SPECIAL_JSON_TYPES.has(packed.fullName) ? { '@type': typeUrl, value: json } : { '@type': typeUrl, ...(json as Record<string, Json>) };
    } catch (error) {
      if (error instanceof TooLargeError) throw error;
      // not a message of that type after all: kept as bytes below
    }
  }
  return { '@type': typeUrl, value: Buffer.from(bytes).toString('base64') };
}
