// The one evaluator: a person's events, traits and consent at a time in, traits, audiences and stage
// out. The incremental path and the rebuild both call `evaluatePerson`, so they agree by construction.
import type { CompareOp, Condition, EventQuery, FieldRef, Filter, Literal, ValueExpr } from './parse.ts';

/** An event as the evaluator reads it: only track events count, by name. */
export interface FactEvent {
  name: string;
  /** Milliseconds since 1970. */
  at: number;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
}

export interface CompiledTrait {
  key: string;
  value: ValueExpr;
}

export interface CompiledAudience {
  key: string;
  condition: Condition;
  /** Holds only persons whose last consent granted marketing. */
  marketing: boolean;
}

/** A site's compiled definitions; stages in order, the first that holds names the person's stage. */
export interface Definitions {
  traits: CompiledTrait[];
  audiences: CompiledAudience[];
  stages: CompiledAudience[];
}

export interface PersonFacts {
  events: FactEvent[];
  /** The person's ordinary traits (from identify calls). */
  traits: Record<string, unknown>;
  /** The categories of the person's last consent, or null when they never sent one (server-side events). */
  consent: Record<string, boolean> | null;
  /** Whether the person has any event of their own stored: one known only by a consent is in nothing. */
  hasEvents: boolean;
}

export interface Evaluation {
  /** Every computed trait, null when it has no value. */
  traits: Record<string, unknown>;
  /** Keys of the audiences the person is in, sorted. */
  audiences: string[];
  stage: string | null;
  /** When a window boundary may next change a result (ms since 1970), or null when only a new event can. */
  nextChangeAt: number | null;
}

/** The trait a definition's `trait('stage')` reads. */
export const STAGE_TRAIT = 'stage';

export function evaluatePerson(definitions: Definitions, facts: PersonFacts, now: number): Evaluation {
  // A withdrawal of analytics consent takes the person out of everything.
  if (!facts.hasEvents || (facts.consent && facts.consent.analytics === false)) {
    return {
      traits: Object.fromEntries(definitions.traits.map((t) => [t.key, null])),
      audiences: [],
      stage: null,
      nextChangeAt: null,
    };
  }
  const slots = slotsOf(definitions);
  const ctx: Context = {
    events: inReadingOrder(facts.events),
    now,
    traits: { ...facts.traits },
    slots,
    results: new Array<unknown>(slots.size).fill(UNREAD),
    nextChangeAt: Infinity,
  };
  const traits: Record<string, unknown> = {};
  for (const trait of definitions.traits) {
    traits[trait.key] = valueOf(trait.value, ctx) ?? null;
    ctx.traits[trait.key] = traits[trait.key];
  }
  let stage: string | null = null;
  for (const candidate of definitions.stages) {
    if (holds(candidate.condition, ctx)) {
      stage = candidate.key;
      break;
    }
  }
  ctx.traits[STAGE_TRAIT] = stage;
  const marketing = facts.consent?.marketing === true;
  const audiences: string[] = [];
  for (const audience of definitions.audiences) {
    if (holds(audience.condition, ctx) && (!audience.marketing || marketing)) audiences.push(audience.key);
  }
  audiences.sort();
  return { traits, audiences, stage, nextChangeAt: ctx.nextChangeAt === Infinity ? null : ctx.nextChangeAt };
}

// Cheap per person (issue 19): an evaluation reads each distinct event query once, however many
// definitions hold it (the bench's 20 definitions hold 23 event queries, 17 of them distinct); it walks the
// person's events as read rather than grouping and sorting them, and keeps only the earliest boundary.

interface Context {
  /** The person's events, each name's oldest first (`inReadingOrder`). */
  events: FactEvent[];
  now: number;
  traits: Record<string, unknown>;
  slots: Slots;
  /** Each distinct query's value, by its slot, once read; `UNREAD` before. */
  results: unknown[];
  /** The earliest time after `now` at which a window's edge passes an event a query matched: the only times a result can change without a new event. */
  nextChangeAt: number;
}

/** Each event query of a site's definitions with its slot in `Context.results`: queries of the same text share a slot. */
type Slots = Map<EventQuery, number>;

const UNREAD = Symbol('unread');

/** The slots of each site's definitions, numbered at their first evaluation (a site's are compiled once, at start). */
const slotsByDefinitions = new WeakMap<Definitions, Slots>();

function slotsOf(definitions: Definitions): Slots {
  let slots = slotsByDefinitions.get(definitions);
  if (!slots) {
    slots = numberQueries(definitions);
    slotsByDefinitions.set(definitions, slots);
  }
  return slots;
}

function numberQueries(definitions: Definitions): Slots {
  const slots: Slots = new Map();
  const byText = new Map<string, number>();
  for (const query of eventQueries(definitions)) {
    const text = JSON.stringify(query);
    if (!byText.has(text)) byText.set(text, byText.size);
    slots.set(query, byText.get(text)!);
  }
  return slots;
}

/** Every event query the definitions hold: of the traits, then of the audiences' and stages' conditions. */
export function eventQueries(definitions: Definitions): EventQuery[] {
  const queries: EventQuery[] = [];
  const value = (expr: ValueExpr) => {
    if (expr.kind !== 'trait') queries.push(expr);
  };
  const condition = (node: Condition): void => {
    switch (node.kind) {
      case 'and':
      case 'or':
        condition(node.left);
        condition(node.right);
        return;
      case 'not':
        return condition(node.operand);
      case 'compare':
        return value(node.left);
      case 'truthy':
        return value(node.value);
    }
  };
  definitions.traits.forEach((trait) => value(trait.value));
  [...definitions.audiences, ...definitions.stages].forEach((audience) => condition(audience.condition));
  return queries;
}

/**
 * The person's events in the order the queries read them: each name's events oldest first, ties in the
 * order read, so first/last do not depend on how events were read. A person's history comes oldest first
 * (by timestamp), so that order is checked rather than made: grouping and sorting cost 1-2 µs of an
 * evaluation with cold caches.
 */
function inReadingOrder(events: FactEvent[]): FactEvent[] {
  for (let i = 1; i < events.length; i++) {
    // Not `<`: a time that is not a number (NaN) takes the grouping path too.
    if (!(events[i]!.at >= events[i - 1]!.at)) return [...groupByName(events).values()].flat();
  }
  return events;
}

function groupByName(events: FactEvent[]): Map<string, FactEvent[]> {
  const byName = new Map<string, FactEvent[]>();
  for (const event of events) {
    const list = byName.get(event.name);
    if (list) list.push(event);
    else byName.set(event.name, [event]);
  }
  for (const list of byName.values()) list.sort((a, b) => a.at - b.at);
  return byName;
}

function holds(condition: Condition, ctx: Context): boolean {
  switch (condition.kind) {
    case 'and': {
      // Both sides are evaluated so that every window's boundaries are known, whatever the result.
      const left = holds(condition.left, ctx);
      const right = holds(condition.right, ctx);
      return left && right;
    }
    case 'or': {
      const left = holds(condition.left, ctx);
      const right = holds(condition.right, ctx);
      return left || right;
    }
    case 'not':
      return !holds(condition.operand, ctx);
    case 'compare':
      return compare(valueOf(condition.left, ctx), condition.op, condition.value);
    case 'truthy': {
      const value = valueOf(condition.value, ctx);
      return value !== null && value !== undefined && value !== false && value !== 0 && value !== '';
    }
  }
}

function valueOf(expr: ValueExpr, ctx: Context): unknown {
  if (expr.kind === 'trait') return ctx.traits[expr.name];
  const slot = ctx.slots.get(expr);
  // A query added to the definitions after their slots were numbered is read each time it is met.
  if (slot === undefined) return answer(expr, ctx);
  let result = ctx.results[slot];
  if (result === UNREAD) {
    result = answer(expr, ctx);
    ctx.results[slot] = result;
  }
  return result;
}

/** The query's value: its reducer over the person's events of its name that pass its filters and are in its window. */
function answer(query: EventQuery, ctx: Context): unknown {
  const { name, window, filters, reducer } = query;
  const field = reducer.name === 'count' ? null : reducer.field!;
  let count = 0;
  /** The values a reducer of a field reads, in the events' order, those absent or null left out. */
  const values: unknown[] = [];
  for (const event of ctx.events) {
    if (event.name !== name || !passesAll(filters, event)) continue;
    if (window) {
      // In the window while fromMs <= now - at < toMs: it enters at at + fromMs and leaves at at + toMs.
      if (window.fromMs > 0) edge(ctx, event.at + window.fromMs);
      edge(ctx, event.at + window.toMs);
      const age = ctx.now - event.at;
      if (!((age >= window.fromMs && age < window.toMs) || (window.fromMs === 0 && age < 0))) continue;
    }
    count++;
    if (field) {
      const value = read(field, event);
      if (value !== undefined && value !== null) values.push(value);
    }
  }
  return reduce(reducer, count, values);
}

function edge(ctx: Context, at: number): void {
  if (at > ctx.now && at < ctx.nextChangeAt) ctx.nextChangeAt = at;
}

function passesAll(filters: Filter[], event: FactEvent): boolean {
  for (const filter of filters) if (!passes(filter, event)) return false;
  return true;
}

function passes(filter: Filter, event: FactEvent): boolean {
  switch (filter.kind) {
    case 'and':
      return passes(filter.left, event) && passes(filter.right, event);
    case 'or':
      return passes(filter.left, event) || passes(filter.right, event);
    case 'not':
      return !passes(filter.operand, event);
    case 'compare':
      return compare(read(filter.field, event), filter.op, filter.value);
  }
}

function read(field: FieldRef, event: FactEvent): unknown {
  let value: unknown = field.source === 'property' ? event.properties : event.context;
  for (const key of field.path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const asNumber = (value: unknown): number | null => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
};

/** Numbers compare as numbers (a numeric string too, as shops send prices both ways); other values only as equal or not. */
export function compare(left: unknown, op: CompareOp, right: Literal): boolean {
  if (op === 'contains') {
    if (typeof left === 'string') return typeof right === 'string' && left.includes(right);
    if (Array.isArray(left)) return left.some((item) => item === right);
    return false;
  }
  if (op === '=' || op === '!=') {
    const numbers = typeof right === 'number' ? asNumber(left) : null;
    const equal = numbers !== null ? numbers === right : left === right || (right === null && left === undefined);
    return op === '=' ? equal : !equal;
  }
  const a =
    typeof right === 'number' ? asNumber(left) : typeof left === 'string' && typeof right === 'string' ? left : null;
  if (a === null) return false;
  const b = right as number | string;
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

/** The reducer's value of `count` selected events, whose field's values (for a reducer other than count) are `values`. */
function reduce(reducer: EventQuery['reducer'], count: number, values: unknown[]): unknown {
  const { name, minFrequency } = reducer;
  switch (name) {
    case 'count':
      return count;
    case 'sum':
    case 'avg':
    case 'min':
    case 'max': {
      const numbers = values.map(asNumber).filter((n): n is number => n !== null);
      if (name === 'sum') return numbers.reduce((sum, n) => sum + n, 0);
      if (numbers.length === 0) return null;
      if (name === 'avg') return numbers.reduce((sum, n) => sum + n, 0) / numbers.length;
      return name === 'min' ? Math.min(...numbers) : Math.max(...numbers);
    }
    case 'first':
      return values[0] ?? null;
    case 'last':
      return values.at(-1) ?? null;
    case 'unique':
      return [...new Set(values.map((value) => JSON.stringify(value)))]
        .sort()
        .map((value) => JSON.parse(value) as unknown);
    case 'mode':
      return modeOf(values, minFrequency);
  }
}

/** The most frequent value (ties: the one seen last, as the customer's latest interest), if it occurs at least `minFrequency` times. */
function modeOf(values: unknown[], minFrequency: number): unknown {
  const counts = new Map<string, number>();
  let best: string | null = null;
  for (const value of values) {
    const key = JSON.stringify(value);
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (best === null || count >= counts.get(best)!) best = key;
  }
  if (best === null || counts.get(best)! < minFrequency) return null;
  return JSON.parse(best) as unknown;
}
