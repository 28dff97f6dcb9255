/**
 * A parser for the subset of AIP-160 filters the history API supports:
 *
 *   filter     := term ( [AND] term )*        (juxtaposition means AND)
 *   term       := comparison | '(' filter ')'
 *   comparison := field operator value
 *   field      := identifier ( '.' identifier )*
 *   operator   := '=' | '!=' | '<' | '<=' | '>' | '>='
 *   value      := string | number | identifier
 *
 * `OR`, `NOT`, `-`, `:` and functions are recognized and refused by name,
 * so the error says what is unsupported rather than "syntax error".
 * The result is a list of comparisons, all of which must hold (none for an
 * empty filter).
 */

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface Comparison {
  field: string;
  operator: Operator;
  value: { kind: 'string'; text: string } | { kind: 'number'; text: string } | { kind: 'identifier'; text: string };
}

export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';
}

/** Filters longer than this are refused before parsing; real ones are a few dozen characters. */
export const MAX_FILTER_LENGTH = 2_000;
const MAX_NESTING = 16;

type Token =
  | { type: 'string'; text: string; at: number }
  | { type: 'number' | 'identifier' | 'operator' | 'symbol' | 'keyword'; text: string; at: number };

const KEYWORDS = new Set(['AND', 'OR', 'NOT']);

export function parseFilter(filter: string): Comparison[] {
  if (filter.length > MAX_FILTER_LENGTH) {
    throw new FilterSyntaxError(`The filter is ${filter.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted`);
  }
  const tokens = tokenize(filter);
  if (tokens.length === 0) return [];
  const parser = new Parser(tokens);
  const comparisons = parser.parseSequence(0);
  parser.expectEnd();
  return comparisons;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const at = i;
    if (char === '"' || char === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== char) {
        if (text[i] === '\\') {
          const escaped = text[i + 1];
          if (escaped === undefined) throw new FilterSyntaxError(`Unterminated string starting at position ${at + 1}`);
          value += escaped;
          i += 2;
        } else {
          value += text[i];
          i++;
        }
      }
      if (i >= text.length) throw new FilterSyntaxError(`Unterminated string starting at position ${at + 1}`);
      i++;
      tokens.push({ type: 'string', text: value, at });
      continue;
    }
    const operator = /^(<=|>=|!=|=|<|>)/.exec(text.slice(i))?.[0];
    if (operator) {
      tokens.push({ type: 'operator', text: operator, at });
      i += operator.length;
      continue;
    }
    if (char === '(' || char === ')' || char === '.' || char === ':' || char === '-' || char === ',' || char === '*') {
      // A minus directly before a digit starts a negative number, not a NOT.
      if (char === '-' && /[0-9]/.test(text[i + 1] ?? '')) {
        const number = /^-[0-9]+(\.[0-9]+)?/.exec(text.slice(i))![0];
        tokens.push({ type: 'number', text: number, at });
        i += number.length;
        continue;
      }
      tokens.push({ type: 'symbol', text: char, at });
      i++;
      continue;
    }
    const number = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i))?.[0];
    if (number) {
      tokens.push({ type: 'number', text: number, at });
      i += number.length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
    if (word) {
      tokens.push({ type: KEYWORDS.has(word) ? 'keyword' : 'identifier', text: word, at });
      i += word.length;
      continue;
    }
    throw new FilterSyntaxError(`Unexpected character '${char}' at position ${at + 1}`);
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  parseSequence(depth: number): Comparison[] {
    if (depth > MAX_NESTING) throw new FilterSyntaxError(`Parentheses are nested deeper than ${MAX_NESTING} levels`);
    const comparisons = [...this.parseTerm(depth)];
    for (;;) {
      const next = this.peek();
      if (!next || (next.type === 'symbol' && next.text === ')')) return comparisons;
      if (next.type === 'keyword' && next.text === 'AND') {
        this.position++;
      } else if (next.type === 'keyword') {
        throw new FilterSyntaxError(`${next.text} is not supported in filters; combine comparisons with AND`);
      }
      comparisons.push(...this.parseTerm(depth));
    }
  }

  private parseTerm(depth: number): Comparison[] {
    const token = this.next('a comparison');
    if (token.type === 'symbol' && token.text === '(') {
      const inner = this.parseSequence(depth + 1);
      const close = this.next("')'");
      if (close.type !== 'symbol' || close.text !== ')') throw this.unexpected(close, "')'");
      return inner;
    }
    if ((token.type === 'keyword' && token.text === 'NOT') || (token.type === 'symbol' && token.text === '-')) {
      throw new FilterSyntaxError(`Negation (${token.text}) is not supported in filters`);
    }
    if (token.type !== 'identifier') throw this.unexpected(token, 'a field name');
    let field = token.text;
    while (this.peek()?.type === 'symbol' && this.peek()?.text === '.') {
      this.position++;
      const part = this.next('a field name after "."');
      if (part.type !== 'identifier') throw this.unexpected(part, 'a field name after "."');
      field += `.${part.text}`;
    }
    const operator = this.next(`an operator after '${field}'`);
    if (operator.type === 'symbol' && operator.text === ':') {
      throw new FilterSyntaxError(`The has operator ':' is not supported (after '${field}'); use =, !=, <, <=, > or >=`);
    }
    if (operator.type !== 'operator') throw this.unexpected(operator, `an operator after '${field}'`);
    const value = this.next(`a value after '${field} ${operator.text}'`);
    if (value.type !== 'string' && value.type !== 'number' && value.type !== 'identifier') {
      throw this.unexpected(value, `a value after '${field} ${operator.text}'`);
    }
    return [{ field, operator: operator.text as Operator, value: { kind: value.type, text: value.text } }];
  }

  expectEnd(): void {
    const token = this.peek();
    if (token) throw this.unexpected(token, 'the end of the filter');
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(expected: string): Token {
    const token = this.tokens[this.position];
    if (!token) throw new FilterSyntaxError(`The filter ends where ${expected} was expected`);
    this.position++;
    return token;
  }

  private unexpected(token: Token, expected: string): FilterSyntaxError {
    const shown = token.type === 'string' ? `"${token.text.slice(0, 40)}"` : `'${token.text.slice(0, 40)}'`;
    return new FilterSyntaxError(`Expected ${expected} at position ${token.at + 1}, found ${shown}`);
  }
}
