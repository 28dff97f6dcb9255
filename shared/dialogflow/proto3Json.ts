import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs/light.js';
import { messageToJson } from '../wire/protobufConversationEvent';
import { reduceDescriptor } from '../wire/reduceDescriptor';

/**
 * Google's Node client hands back plain objects (enums by name, 64-bit integers as strings, Timestamps as
 * {seconds, nanos}, every default filled in), not the proto3 JSON its REST transport received. The model
 * stores and compares proto3 JSON, the same as the events carry: this turns a Conversation or a Message back
 * (or a Participant) into it, with the client's own descriptor, so every field the client knows is kept.
 */
const TYPES = {
  conversation: 'google.cloud.dialogflow.v2.Conversation',
  message: 'google.cloud.dialogflow.v2.Message',
  participant: 'google.cloud.dialogflow.v2.Participant',
} as const;

let types: Record<keyof typeof TYPES, protobuf.Type> | undefined;

export function toProto3Json(kind: keyof typeof TYPES, plain: object): Record<string, unknown> {
  types ??= loadTypes();
  const type = types[kind];
  return messageToJson(type, type.fromObject(plain as Record<string, unknown>) as protobuf.Message & Record<string, unknown>) as Record<string, unknown>;
}

function loadTypes(): Record<keyof typeof TYPES, protobuf.Type> {
  const path = createRequire(import.meta.url).resolve('@google-cloud/dialogflow/build/protos/protos.json');
  const full = JSON.parse(readFileSync(path, 'utf8')) as object;
  const load = (name: string) => protobuf.Root.fromJSON(reduceDescriptor(full, name)).resolveAll().lookupType(name);
  return { conversation: load(TYPES.conversation), message: load(TYPES.message), participant: load(TYPES.participant) };
}
