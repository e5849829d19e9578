// The one parser of definitions, in the subset of Segment's query language a shop needs. Every error
// carries the offset it was found at, so config.ts can name the line and column in kith.config.json.

export type Literal = string | number | boolean | null;
export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'contains';
export type ReducerName = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'first' | 'last' | 'mode' | 'unique';

/** Where a filter looks: the event's `properties` or its `context`, by a dotted path. */
export interface FieldRef {
  source: 'property' | 'context';
  path: string[];
}

export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; operand: Filter }
  | { kind: 'compare'; field: FieldRef; op: CompareOp; value: Literal };

/** A window relative to the time of evaluation, in milliseconds: events from `to` ago up to `from` ago. */
export interface Window {
  fromMs: number;
  toMs: number;
}

export interface EventQuery {
  kind: 'events';
  name: string;
  filters: Filter[];
  window: Window | null;
  reducer: { name: ReducerName; field: FieldRef | null; minFrequency: number };
}

export type ValueExpr = EventQuery | { kind: 'trait'; name: string };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; left: ValueExpr; op: CompareOp; value: Literal }
  /** A value alone: true when it is truthy (a count above 0, a trait that is set and not false). */
  | { kind: 'truthy'; value: ValueExpr };

export class DefinitionError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

interface Token {
  type: 'ident' | 'string' | 'number' | 'op' | 'punct' | 'end';
  text: string;
  value: string | number;
  at: number;
}

const OPERATORS = ['>=', '<=', '!=', '=', '>', '<'];
const PUNCT = '().,';

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const at = i;
    if (ch === "'" || ch === '"') {
      let text = '';
      i++;
      while (i < source.length && source[i] !== ch) {
        if (source[i] === '\\' && i + 1 < source.length) i++;
        text += source[i];
        i++;
      }
      if (i >= source.length) throw new DefinitionError(`the string starting here has no closing ${ch}`, at);
      i++;
      tokens.push({ type: 'string', text: source.slice(at, i), value: text, at });
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(source.slice(i));
    if (number && (ch !== '-' || /\d/.test(source[i + 1] ?? ''))) {
      i += number[0].length;
      tokens.push({ type: 'number', text: number[0], value: Number(number[0]), at });
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (word) {
      i += word[0].length;
      tokens.push({ type: 'ident', text: word[0], value: word[0], at });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      i += op.length;
      tokens.push({ type: 'op', text: op, value: op, at });
      continue;
    }
    if (PUNCT.includes(ch)) {
      i++;
      tokens.push({ type: 'punct', text: ch, value: ch, at });
      continue;
    }
    throw new DefinitionError(`unexpected character "${ch}"`, at);
  }
  tokens.push({ type: 'end', text: 'the end', value: '', at: source.length });
  return tokens;
}

const REDUCERS: readonly ReducerName[] = ['count', 'sum', 'avg', 'min', 'max', 'first', 'last', 'mode', 'unique'];
const UNITS: Record<string, number> = { day: 86_400_000, days: 86_400_000, hour: 3_600_000, hours: 3_600_000 };

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    return this.tokens[this.pos++]!;
  }
  private shown(token: Token): string {
    return token.type === 'end' ? 'the end' : `"${token.text}"`;
  }
  private fail(expected: string, token = this.peek()): never {
    throw new DefinitionError(`expected ${expected}, found ${this.shown(token)}`, token.at);
  }
  private isWord(word: string): boolean {
    const token = this.peek();
    return token.type === 'ident' && token.text.toUpperCase() === word;
  }
  private expect(text: string, what = `"${text}"`): Token {
    const token = this.peek();
    if (token.text !== text || token.type === 'string') this.fail(what);
    return this.next();
  }
  private string(what: string): string {
    const token = this.peek();
    if (token.type !== 'string') this.fail(what);
    this.next();
    return token.value as string;
  }
  private number(what: string): number {
    const token = this.peek();
    if (token.type !== 'number') this.fail(what);
    this.next();
    return token.value as number;
  }

  end(): void {
    if (this.peek().type !== 'end') this.fail('AND, OR or the end of the definition');
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.isWord('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.isWord('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.isWord('NOT')) {
      this.next();
      return { kind: 'not', operand: this.negation() };
    }
    if (this.peek().text === '(' && this.peek().type === 'punct') {
      this.next();
      const inner = this.condition();
      this.expect(')', '")" to close the "("');
      return inner;
    }
    const value = this.value();
    const op = this.operator();
    if (!op) return { kind: 'truthy', value };
    return { kind: 'compare', left: value, op, value: this.literal() };
  }

  private operator(): CompareOp | null {
    const token = this.peek();
    if (token.type === 'op') {
      this.next();
      return token.text as CompareOp;
    }
    if (token.type === 'ident' && token.text === 'contains') {
      this.next();
      return 'contains';
    }
    return null;
  }

  private literal(): Literal {
    const token = this.next();
    if (token.type === 'string' || token.type === 'number') return token.value;
    if (token.type === 'ident' && (token.text === 'true' || token.text === 'false')) return token.text === 'true';
    if (token.type === 'ident' && token.text === 'null') return null;
    return this.fail('a value to compare with: a number, a quoted string, true, false or null', token);
  }

  /** A value: `trait('x')` or `event('Name')` with its chain. */
  value(): ValueExpr {
    const token = this.peek();
    if (token.type === 'ident' && token.text === 'trait') {
      this.next();
      this.expect('(');
      const name = this.string("a trait name in quotes, as in trait('plan')");
      this.expect(')', '")" after the trait name');
      return { kind: 'trait', name };
    }
    if (token.type === 'ident' && token.text === 'event') return this.eventQuery();
    return this.fail("event('Name') or trait('name')");
  }

  private eventQuery(): EventQuery {
    this.next();
    this.expect('(');
    const name = this.string("an event name in quotes, as in event('Order Completed')");
    this.expect(')', '")" after the event name');
    const query: EventQuery = {
      kind: 'events',
      name,
      filters: [],
      window: null,
      reducer: { name: 'count', field: null, minFrequency: 1 },
    };
    let reduced = false;
    while (this.peek().text === '.' && this.peek().type === 'punct') {
      this.next();
      const method = this.peek();
      if (method.type !== 'ident') this.fail('a method such as where, within, between or count');
      if (reduced) this.fail('the end of the query: nothing may follow its reducer', method);
      this.next();
      this.expect('(', `"(" after ${method.text}`);
      if (method.text === 'where') {
        query.filters.push(this.filter());
      } else if (method.text === 'within') {
        if (query.window) this.fail('one window per query', method);
        query.window = { fromMs: 0, toMs: this.duration() };
      } else if (method.text === 'between') {
        if (query.window) this.fail('one window per query', method);
        const fromMs = this.duration();
        this.expect(',', '"," between the two durations');
        const toAt = this.peek();
        const toMs = this.duration();
        if (toMs <= fromMs) this.fail('a second duration longer than the first, as in between(30 days, 60 days)', toAt);
        query.window = { fromMs, toMs };
      } else if ((REDUCERS as readonly string[]).includes(method.text)) {
        query.reducer = this.reducer(method.text as ReducerName);
        reduced = true;
      } else {
        this.fail(`where, within, between or a reducer (${REDUCERS.join(', ')})`, method);
      }
      this.expect(')', `")" to close ${method.text}(`);
    }
    return query;
  }

  private duration(): number {
    const amount = this.number('a number of days or hours, as in 30 days');
    const unit = this.peek();
    const ms = unit.type === 'ident' ? UNITS[unit.text] : undefined;
    if (ms === undefined) this.fail('"days" or "hours" after the number', unit);
    this.next();
    return amount * ms;
  }

  private reducer(name: ReducerName): EventQuery['reducer'] {
    if (name === 'count') return { name, field: null, minFrequency: 1 };
    const field = this.field();
    let minFrequency = 1;
    if (name === 'mode' && this.peek().text === ',') {
      this.next();
      minFrequency = this.number("the least number of times the mode must occur, as in mode(property('category'), 2)");
    }
    return { name, field, minFrequency };
  }

  private field(): FieldRef {
    const token = this.peek();
    if (token.type !== 'ident' || (token.text !== 'property' && token.text !== 'context'))
      this.fail("property('name') or context('name')");
    this.next();
    this.expect('(');
    const path = this.string(`a name in quotes, as in ${token.text}('revenue')`);
    this.expect(')', `")" after the ${token.text} name`);
    return { source: token.text, path: path.split('.') };
  }

  private filter(): Filter {
    let left = this.filterConjunction();
    while (this.isWord('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.filterConjunction() };
    }
    return left;
  }

  private filterConjunction(): Filter {
    let left = this.filterTerm();
    while (this.isWord('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.filterTerm() };
    }
    return left;
  }

  private filterTerm(): Filter {
    if (this.isWord('NOT')) {
      this.next();
      return { kind: 'not', operand: this.filterTerm() };
    }
    if (this.peek().text === '(' && this.peek().type === 'punct') {
      this.next();
      const inner = this.filter();
      this.expect(')', '")" to close the "("');
      return inner;
    }
    const field = this.field();
    const op = this.operator();
    if (!op) this.fail('a comparison: = != > >= < <= or contains');
    return { kind: 'compare', field, op, value: this.literal() };
  }
}

/** An audience or stage: a definition that ends in true or false. */
export function parseCondition(source: string): Condition {
  const parser = new Parser(tokenize(source));
  const condition = parser.condition();
  parser.end();
  return condition;
}

/** A computed trait: a definition that ends in a value, an event query with its reducer. */
export function parseValue(source: string): ValueExpr {
  const parser = new Parser(tokenize(source));
  const value = parser.value();
  parser.end();
  return value;
}
