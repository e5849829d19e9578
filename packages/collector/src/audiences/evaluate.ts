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
  const boundaries = new Set<number>();
  const byName = groupByName(facts.events);
  const ctx: Context = { byName, now, traits: { ...facts.traits }, boundaries };

  // A withdrawal of analytics consent takes the person out of everything.
  if (!facts.hasEvents || (facts.consent && facts.consent.analytics === false)) {
    return {
      traits: Object.fromEntries(definitions.traits.map((t) => [t.key, null])),
      audiences: [],
      stage: null,
      nextChangeAt: null,
    };
  }
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
  const audiences = definitions.audiences
    .filter((audience) => holds(audience.condition, ctx) && (!audience.marketing || marketing))
    .map((audience) => audience.key)
    .sort();
  const future = [...boundaries].filter((at) => at > now);
  return { traits, audiences, stage, nextChangeAt: future.length > 0 ? Math.min(...future) : null };
}

interface Context {
  byName: Map<string, FactEvent[]>;
  now: number;
  traits: Record<string, unknown>;
  /** Times at which a window's edge passes an event that the query matched: the only times a result can change without a new event. */
  boundaries: Set<number>;
}

function groupByName(events: FactEvent[]): Map<string, FactEvent[]> {
  const byName = new Map<string, FactEvent[]>();
  for (const event of events) {
    const list = byName.get(event.name);
    if (list) list.push(event);
    else byName.set(event.name, [event]);
  }
  // Oldest first, ties in a fixed order, so first/last do not depend on how events were read.
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
  return reduce(expr, selectEvents(expr, ctx));
}

function selectEvents(query: EventQuery, ctx: Context): FactEvent[] {
  const matching = (ctx.byName.get(query.name) ?? []).filter((event) =>
    query.filters.every((filter) => passes(filter, event)),
  );
  const window = query.window;
  if (!window) return matching;
  const selected: FactEvent[] = [];
  for (const event of matching) {
    // In the window while fromMs <= now - at < toMs: it enters at at + fromMs and leaves at at + toMs.
    const age = ctx.now - event.at;
    if (window.fromMs > 0) ctx.boundaries.add(event.at + window.fromMs);
    ctx.boundaries.add(event.at + window.toMs);
    if (age >= window.fromMs && age < window.toMs) selected.push(event);
    else if (window.fromMs === 0 && age < 0) selected.push(event);
  }
  return selected;
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

function reduce(query: EventQuery, events: FactEvent[]): unknown {
  const { name, field, minFrequency } = query.reducer;
  if (name === 'count') return events.length;
  const values = events.map((event) => read(field!, event)).filter((value) => value !== undefined && value !== null);
  switch (name) {
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
