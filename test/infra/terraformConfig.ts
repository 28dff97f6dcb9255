import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// Loaded with require rather than `import { parse } from '@cdktf/hcl2json'`: the package's type declarations
// carry `/// <reference lib="dom" />`, which would put the DOM's fetch types into the whole program and break
// `tsc -p .` in files that use Node's fetch.
const { parse } = createRequire(import.meta.url)('@cdktf/hcl2json') as {
  parse(fileName: string, content: string): Promise<Record<string, unknown>>;
};

/**
 * The Terraform configuration of one folder as @cdktf/hcl2json reads it, merged across files: a block body is
 * a plain object, nested blocks are arrays of bodies, and every expression that is not a literal is a string
 * "${...}" holding its source text. Nothing is evaluated: these helpers resolve only the few shapes the
 * deployment uses (`local.x`, `merge(local.a, local.b)`), so a test can follow a value to its literal.
 */
export type Body = Record<string, unknown>;

export interface TerraformConfig {
  /** Every `.tf` file's text, by file name. */
  files: Map<string, string>;
  /** Resource bodies by address, such as "google_pubsub_topic.events". */
  resources: Map<string, Body>;
  /** Data source bodies by address without the "data." prefix, such as "archive_file.source". */
  data: Map<string, Body>;
  variables: Map<string, Body>;
  outputs: Map<string, Body>;
  locals: Map<string, unknown>;
  /** The `terraform {}` blocks. */
  settings: Body[];
  /** Provider configurations by local name, such as "google-beta". */
  providers: Map<string, Body>;
  /** Addresses declared more than once (Terraform refuses them). */
  duplicates: string[];
}

export function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The only body of a nested block (hcl2json gives every block as an array of bodies). */
export function block(parent: Body, name: string): Body {
  const value = parent[name];
  if (!Array.isArray(value) || value.length !== 1 || !isBody(value[0])) {
    throw new Error(`expected exactly one "${name}" block, got ${JSON.stringify(value)}`);
  }
  return value[0];
}

export function hasBlock(parent: Body, name: string): boolean {
  return Array.isArray(parent[name]) && (parent[name] as unknown[]).length > 0;
}

/** The body of a `dynamic "<name>"` block and its for_each expression. */
export function dynamicBlock(parent: Body, name: string): { forEach: unknown; content: Body } {
  const dynamic = parent['dynamic'];
  if (!isBody(dynamic)) throw new Error(`expected a dynamic "${name}" block`);
  const generator = block(dynamic, name);
  return { forEach: generator['for_each'], content: block(generator, 'content') };
}

/** The text of an expression without its "${" "}" wrapper; a literal string stays as it is. */
export function expression(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  const match = /^\$\{([\s\S]*)\}$/.exec(value);
  return match ? match[1]!.trim() : value;
}

export async function loadTerraform(directory: string): Promise<TerraformConfig> {
  const config: TerraformConfig = {
    files: new Map(),
    resources: new Map(),
    data: new Map(),
    variables: new Map(),
    outputs: new Map(),
    locals: new Map(),
    settings: [],
    providers: new Map(),
    duplicates: [],
  };
  const add = (into: Map<string, Body>, address: string, bodies: unknown) => {
    const list = Array.isArray(bodies) ? bodies : [bodies];
    for (const body of list) {
      if (!isBody(body)) throw new Error(`${address}: not a block`);
      if (into.has(address)) config.duplicates.push(address);
      into.set(address, body);
    }
  };
  const names = readdirSync(directory)
    .filter((name) => name.endsWith('.tf'))
    .sort();
  for (const name of names) {
    const text = readFileSync(join(directory, name), 'utf8');
    config.files.set(name, text);
    const json = await parse(name, text);
    for (const [type, instances] of Object.entries(json['resource'] ?? {})) {
      for (const [label, bodies] of Object.entries(instances as Body)) add(config.resources, `${type}.${label}`, bodies);
    }
    for (const [type, instances] of Object.entries(json['data'] ?? {})) {
      for (const [label, bodies] of Object.entries(instances as Body)) add(config.data, `${type}.${label}`, bodies);
    }
    for (const [label, bodies] of Object.entries(json['variable'] ?? {})) add(config.variables, label, bodies);
    for (const [label, bodies] of Object.entries(json['output'] ?? {})) add(config.outputs, label, bodies);
    for (const locals of (json['locals'] ?? []) as Body[]) {
      for (const [key, value] of Object.entries(locals)) {
        if (config.locals.has(key)) config.duplicates.push(`local.${key}`);
        config.locals.set(key, value);
      }
    }
    config.settings.push(...((json['terraform'] ?? []) as Body[]));
    for (const [name, bodies] of Object.entries(json['provider'] ?? {})) add(config.providers, name, bodies);
  }
  return config;
}

export function resource(config: TerraformConfig, address: string): Body {
  const body = config.resources.get(address);
  if (!body) throw new Error(`no resource ${address}`);
  return body;
}

export function resourcesOfType(config: TerraformConfig, type: string): Array<[string, Body]> {
  return [...config.resources].filter(([address]) => address.startsWith(`${type}.`));
}

export function local(config: TerraformConfig, name: string): unknown {
  if (!config.locals.has(name)) throw new Error(`no local.${name}`);
  return config.locals.get(name);
}

/** Follows `local.x` references until a value that is not one. */
export function resolve(config: TerraformConfig, value: unknown): unknown {
  for (let hops = 0; hops < 20; hops += 1) {
    const reference = /^local\.(\w+)$/.exec(expression(value));
    if (typeof value !== 'string' || !reference) return value;
    value = local(config, reference[1]!);
  }
  throw new Error('local references loop');
}

/**
 * The keys of a map value: a literal object, `local.x`, or `merge(...)` of those. Anything else is an
 * error, so a test fails loudly rather than guessing.
 */
export function mapKeys(config: TerraformConfig, value: unknown): string[] {
  const resolved = resolve(config, value);
  if (isBody(resolved)) return Object.keys(resolved);
  const text = expression(resolved);
  const merged = /^merge\(([\s\S]*)\)$/.exec(text);
  if (merged) {
    return [...new Set(merged[1]!.split(/,(?![^{]*\})/).flatMap((part) => mapKeys(config, `\${${part.trim()}}`)))];
  }
  // An object written inline, `{ KEY = value }`: its keys.
  const inline = /^\{([^{}]*)\}$/.exec(text);
  if (inline) return [...inline[1]!.matchAll(/(?:^|[\s,])([A-Za-z_][A-Za-z0-9_]*)\s*=/g)].map((match) => match[1]!);
  throw new Error(`cannot tell the keys of ${JSON.stringify(value)}`);
}

/** A map value as an object: a literal object or `local.x` naming one. */
export function mapValue(config: TerraformConfig, value: unknown): Body {
  const resolved = resolve(config, value);
  if (!isBody(resolved)) throw new Error(`expected a literal map, got ${JSON.stringify(value)}`);
  return resolved;
}

/** The default of a variable (undefined when it has none). */
export function variableDefault(config: TerraformConfig, name: string): unknown {
  const variable = config.variables.get(name);
  if (!variable) throw new Error(`no variable ${name}`);
  return variable['default'];
}

/** Every string in a value, with the path that leads to it. */
export function strings(value: unknown, path = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${path}[${index}]`));
  if (isBody(value)) return Object.entries(value).flatMap(([key, item]) => strings(item, path ? `${path}.${key}` : key));
  return [];
}
