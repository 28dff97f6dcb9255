import protobuf from 'protobufjs/light.js';

/** A protobufjs JSON descriptor holding only some types. */
export type ReducedDescriptor = protobuf.INamespace;

/**
 * The types `rootType` needs (itself, and every message and enum its fields
 * reach), as a protobufjs JSON descriptor with nothing else: no services, no
 * options, no comments. Field types are written as absolute names.
 */
export function reduceDescriptor(fullDescriptor: object, rootType: string): ReducedDescriptor {
  const root = protobuf.Root.fromJSON(fullDescriptor as protobuf.INamespace);
  const needed = new Map<string, protobuf.Type | protobuf.Enum>();
  const pending: Array<protobuf.Type | protobuf.Enum> = [root.lookupType(rootType)];
  while (pending.length > 0) {
    const type = pending.pop()!;
    if (needed.has(type.fullName)) continue;
    needed.set(type.fullName, type);
    if (type instanceof protobuf.Type) {
      for (const field of type.fieldsArray) {
        field.resolve();
        if (field.resolvedType) pending.push(field.resolvedType);
      }
    }
  }

  const reduced = { nested: {} as Record<string, unknown> };
  for (const [fullName, type] of [...needed].sort(([a], [b]) => a.localeCompare(b))) {
    const path = fullName.slice(1).split('.');
    let namespace = reduced.nested;
    for (const part of path.slice(0, -1)) {
      const next = (namespace[part] ??= { nested: {} }) as { nested?: Record<string, unknown> };
      namespace = next.nested ??= {};
    }
    const existing = (namespace[path.at(-1)!] ?? {}) as Record<string, unknown>;
    namespace[path.at(-1)!] = { ...existing, ...describe(type) };
  }
  return reduced as ReducedDescriptor;
}

function describe(type: protobuf.Type | protobuf.Enum): Record<string, unknown> {
  if (type instanceof protobuf.Enum) return { values: { ...type.values } };
  const fields = Object.fromEntries(
    type.fieldsArray.map((field) => [
      field.name,
      {
        type: field.resolvedType ? field.resolvedType.fullName : field.type,
        id: field.id,
        ...(field.repeated ? { rule: 'repeated' } : {}),
        ...(field instanceof protobuf.MapField ? { keyType: field.keyType } : {}),
      },
    ]),
  );
  const oneofs = Object.fromEntries(type.oneofsArray.map((oneof) => [oneof.name, { oneof: [...oneof.oneof] }]));
  return { fields, ...(Object.keys(oneofs).length > 0 ? { oneofs } : {}) };
}
