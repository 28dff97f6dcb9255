/**
 * A parser for the subset of AIP-160 filters the history API supports:
 *
 *   filter     := factor ( [AND] factor )*     (juxtaposition means AND)
 *   factor     := term ( OR term )*            (OR binds tighter than AND, as AIP-160 says)
 *   term       := comparison | '(' filter ')'
 *   comparison := field operator value
 *   field      := identifier ( '.' identifier )*
 *   operator   := '=' | '!=' | '<' | '<=' | '>' | '>='
 *   value      := string | number | identifier | timestamp
 *
 * A timestamp may be written without quotes (`create_time > 2017-01-15T01:30:15.01Z`, the v2 proto's own
 * example). `NOT`, `-`, `:` and functions are recognized and refused by name, so the error says what is
 * unsupported rather than "syntax error". The result is an expression: `{ and: [...] }` at the top
 * (empty for an empty filter), nested ANDs flattened, `{ or: [...] }` for alternatives.
 */

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface Comparison {
  field: string;
  operator: Operator;
  value: { kind: 'string'; text: string } | { kind: 'number'; text: string } | { kind: 'identifier'; text: string };
}

export type FilterExpression = Comparison | { and: FilterExpression[] } | { or: FilterExpression[] };

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

export function parseFilter(filter: string): { and: FilterExpression[] } {
  if (filter.length > MAX_FILTER_LENGTH) {
    throw new FilterSyntaxError(`The filter is ${filter.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted`);
  }
  const tokens = tokenize(filter);
  if (tokens.length === 0) return { and: [] };
  const parser = new Parser(tokens);
  const expression = parser.parseSequence(0);
  parser.expectEnd();
  return expression;
}

/** An RFC 3339 date-time, unquoted: read as one string token before numbers and '-' are. */
const UNQUOTED_TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})/;

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
    const timestamp = UNQUOTED_TIMESTAMP.exec(text.slice(i))?.[0];
    if (timestamp) {
      tokens.push({ type: 'string', text: timestamp, at });
      i += timestamp.length;
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

  parseSequence(depth: number): { and: FilterExpression[] } {
    if (depth > MAX_NESTING) throw new FilterSyntaxError(`Parentheses are nested deeper than ${MAX_NESTING} levels`);
    const terms: FilterExpression[] = [];
    const add = (factor: FilterExpression) => (isAnd(factor) ? terms.push(...factor.and) : terms.push(factor));
    add(this.parseFactor(depth));
    for (;;) {
      const next = this.peek();
      if (!next || (next.type === 'symbol' && next.text === ')')) return { and: terms };
      if (next.type === 'keyword' && next.text === 'AND') this.position++;
      else if (next.type === 'keyword' && next.text === 'OR') throw this.unexpected(next, 'a comparison before OR');
      add(this.parseFactor(depth));
    }
  }

  private parseFactor(depth: number): FilterExpression {
    const alternatives = [this.parseTerm(depth)];
    while (this.peek()?.type === 'keyword' && this.peek()?.text === 'OR') {
      this.position++;
      alternatives.push(this.parseTerm(depth));
    }
    if (alternatives.length === 1) return alternatives[0]!;
    // (a OR b) OR c is a OR b OR c.
    return { or: alternatives.flatMap((alternative) => (isOr(alternative) ? alternative.or : [alternative])) };
  }

  private parseTerm(depth: number): FilterExpression {
    const token = this.next('a comparison');
    if (token.type === 'symbol' && token.text === '(') {
      const inner = this.parseSequence(depth + 1);
      const close = this.next("')'");
      if (close.type !== 'symbol' || close.text !== ')') throw this.unexpected(close, "')'");
      return inner.and.length === 1 ? inner.and[0]! : inner;
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
    return { field, operator: operator.text as Operator, value: { kind: value.type, text: value.text } };
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

export function isAnd(expression: FilterExpression): expression is { and: FilterExpression[] } {
  return 'and' in expression;
}

export function isOr(expression: FilterExpression): expression is { or: FilterExpression[] } {
  return 'or' in expression;
}
