/**
 * Google's partial responses: the `fields` system parameter selects which
 * fields of an answer are sent, in the syntax of Google's JSON APIs:
 * - a comma-separated list of paths: `name,lifecycleState`;
 * - `a/b` selects `b` within `a`; in an array, within each element:
 *   `messages/content` (`a.b`, a FieldMask's path, is the same);
 * - `a(b,c)` selects several within `a`: `messages(content,createTime)`;
 * - `*` is every field at its level: `messages/*`, `*(name)`;
 * - a list's `nextPageToken` is sent only when selected, as Google does
 *   (`messages(content),nextPageToken` pages; `messages(content)` does not).
 * Field names are matched as served (lowerCamelCase); a proto name
 * (`create_time`) selects the same field. Pure: text in, a selection or the
 * reason it is malformed out; the reason never quotes the caller's text.
 */

/** Each selected field, with what is selected within it: true for the whole value. */
export type FieldSelection = Map<string, FieldSelection | true>;

/** Deeper selections than any resource of the history API has are refused rather than walked. */
export const MAX_SELECTION_DEPTH = 16;

const NAME = /[A-Za-z_][A-Za-z0-9_]*|\*/y;

export function parseFieldSelection(text: string): { ok: true; selection: FieldSelection } | { ok: false; message: string } {
  let at = 0;
  const fail = (what: string) => ({ ok: false as const, message: `Invalid field selection in the fields parameter: ${what} at character ${at + 1}` });
  const skipSpaces = () => {
    while (text[at] === ' ') at++;
  };

  // list := path (',' path)* ; path := name ('/' name)* ['(' list ')']
  function readList(depth: number): FieldSelection | { error: string } {
    if (depth > MAX_SELECTION_DEPTH) return { error: `more than ${MAX_SELECTION_DEPTH} nested selections` };
    const selection: FieldSelection = new Map();
    for (;;) {
      const names: string[] = [];
      for (;;) {
        skipSpaces();
        NAME.lastIndex = at;
        const name = NAME.exec(text);
        if (!name) return { error: 'a field name is expected' };
        names.push(toLowerCamel(name[0]));
        at = NAME.lastIndex;
        skipSpaces();
        if (text[at] !== '/' && text[at] !== '.') break;
        at++;
        if (names.length > MAX_SELECTION_DEPTH) return { error: `more than ${MAX_SELECTION_DEPTH} nested selections` };
      }
      let within: FieldSelection | true = true;
      if (text[at] === '(') {
        at++;
        const inner = readList(depth + names.length);
        if (!(inner instanceof Map)) return inner;
        if (text[at] !== ')') return { error: "')' is expected" };
        at++;
        skipSpaces();
        within = inner;
      }
      addPath(selection, names, within);
      if (text[at] !== ',') return selection;
      at++;
    }
  }

  if (text.trim() === '') return { ok: false, message: 'The fields parameter is empty: leave it out to receive every field' };
  const selection = readList(0);
  if (!(selection instanceof Map)) return fail(selection.error);
  if (at !== text.length) return fail(text[at] === ')' ? "an unmatched ')'" : "',' or the end is expected");
  return { ok: true, selection };
}

/** The value with only the selected fields: objects keep selected keys, arrays are selected element by element. */
export function selectFields(value: unknown, selection: FieldSelection): unknown {
  if (Array.isArray(value)) return value.map((element) => selectFields(element, selection));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const all = selection.get('*');
  const selected: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const named = selection.get(key);
    const within = named === undefined ? all : all === undefined ? named : merge(named, all);
    if (within === undefined) continue;
    selected[key] = within === true ? object[key] : selectFields(object[key], within);
  }
  return selected;
}

function addPath(selection: FieldSelection, names: string[], within: FieldSelection | true): void {
  let level = selection;
  for (const [index, name] of names.entries()) {
    const existing = level.get(name);
    if (existing === true) return; // already the whole value
    if (index === names.length - 1) {
      level.set(name, existing === undefined ? within : merge(existing, within));
      return;
    }
    const next: FieldSelection = existing ?? new Map();
    level.set(name, next);
    level = next;
  }
}

/** Both selections at once: `fields` given twice selects what either selects. */
export function mergeSelections(a: FieldSelection, b: FieldSelection): FieldSelection {
  return merge(a, b) as FieldSelection;
}

function merge(a: FieldSelection | true, b: FieldSelection | true): FieldSelection | true {
  if (a === true || b === true) return true;
  const merged: FieldSelection = new Map(a);
  for (const [name, within] of b) {
    const existing = merged.get(name);
    merged.set(name, existing === undefined ? within : merge(existing, within));
  }
  return merged;
}

function toLowerCamel(name: string): string {
  return name.includes('_') ? name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()) : name;
}
