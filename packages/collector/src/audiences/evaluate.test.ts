import { describe, expect, it } from 'vitest';
import { evaluatePerson, type Definitions, type FactEvent, type PersonFacts } from './evaluate.ts';
import { parseCondition, parseValue } from './parse.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const ev = (
  name: string,
  daysAgo: number,
  properties: Record<string, unknown> = {},
  context: Record<string, unknown> = {},
): FactEvent => ({
  name,
  at: NOW - daysAgo * DAY,
  properties,
  context,
});
const facts = (events: FactEvent[], extra: Partial<PersonFacts> = {}): PersonFacts => ({
  events,
  traits: {},
  consent: null,
  hasEvents: true,
  ...extra,
});
const trait = (definition: string, f: PersonFacts, now = NOW) =>
  evaluatePerson({ traits: [{ key: 't', value: parseValue(definition) }], audiences: [], stages: [] }, f, now).traits.t;
const holds = (definition: string, f: PersonFacts, marketing = false) =>
  evaluatePerson(
    { traits: [], audiences: [{ key: 'a', condition: parseCondition(definition), marketing }], stages: [] },
    f,
    NOW,
  ).audiences.includes('a');

const orders = facts([
  ev('Order Completed', 400, { revenue: 500, category: 'tea' }),
  ev('Order Completed', 40, { revenue: 30, category: 'mugs' }),
  ev('Order Completed', 10, { revenue: '70.5', category: 'mugs' }),
  ev('Order Completed', 2, { revenue: 'n/a', category: 'tea' }, { page: { path: '/checkout' } }),
  ev('Product Viewed', 1, { category: 'tea' }),
]);

describe('the evaluator', () => {
  it('reduces the events in a window with each reducer; numeric strings count, others are skipped', () => {
    expect(trait("event('Order Completed').within(365 days).count()", orders)).toBe(3);
    expect(trait("event('Order Completed').within(365 days).sum(property('revenue'))", orders)).toBe(100.5);
    expect(trait("event('Order Completed').within(365 days).avg(property('revenue'))", orders)).toBe(50.25);
    expect(trait("event('Order Completed').min(property('revenue'))", orders)).toBe(30);
    expect(trait("event('Order Completed').max(property('revenue'))", orders)).toBe(500);
    expect(trait("event('Order Completed').first(property('category'))", orders)).toBe('tea');
    expect(trait("event('Order Completed').last(property('revenue'))", orders)).toBe('n/a');
    expect(trait("event('Order Completed').mode(property('category'))", orders)).toBe('tea');
    expect(trait("event('Order Completed').within(365 days).mode(property('category'), 2)", orders)).toBe('mugs');
    expect(trait("event('Order Completed').within(30 days).mode(property('category'), 2)", orders)).toBeNull();
    expect(trait("event('Order Completed').unique(property('category'))", orders)).toEqual(['mugs', 'tea']);
    expect(trait("event('Order Completed').within(1 days).avg(property('revenue'))", orders)).toBeNull();
    expect(trait("event('Order Completed').between(5 days, 45 days).count()", orders)).toBe(2);
    expect(trait("event('Order Completed').where(context('page.path') = '/checkout').count()", orders)).toBe(1);
  });

  it('filters with every operator and joins conditions with AND, OR and NOT', () => {
    expect(
      holds("event('Order Completed').where(property('revenue') > 100).within(30 days).count() >= 1", orders),
    ).toBe(false);
    expect(
      holds(
        "event('Order Completed').where(property('revenue') >= 70.5 AND property('revenue') <= 500).count() = 2",
        orders,
      ),
    ).toBe(true);
    expect(holds("event('Order Completed').where(property('category') != 'tea').count() = 2", orders)).toBe(true);
    expect(holds("event('Order Completed').where(property('category') contains 'ug').count() = 2", orders)).toBe(true);
    expect(
      holds(
        "event('Order Completed').where(NOT (property('revenue') < 50 OR property('category') = 'tea')).count() = 1",
        orders,
      ),
    ).toBe(true);
    expect(holds("event('Product Viewed').count() >= 1 AND NOT trait('plan') = 'pro'", orders)).toBe(true);
    expect(holds("trait('plan') = 'pro' OR event('Refund').count() > 0", facts([], { traits: { plan: 'pro' } }))).toBe(
      true,
    );
    expect(holds("event('Product Viewed')", orders)).toBe(true);
    expect(holds("trait('vip')", facts([ev('X', 0)], { traits: { vip: false } }))).toBe(false);
    expect(holds("trait('tags') contains 'b2b'", facts([ev('X', 0)], { traits: { tags: ['b2b'] } }))).toBe(true);
  });

  it('names the first stage that holds, and audiences read computed traits and the stage', () => {
    const definitions: Definitions = {
      traits: [{ key: 'spend', value: parseValue("event('Order Completed').sum(property('revenue'))") }],
      stages: [
        { key: 'whale', condition: parseCondition("trait('spend') > 1000"), marketing: false },
        { key: 'buyer', condition: parseCondition("event('Order Completed').count() >= 1"), marketing: false },
      ],
      audiences: [
        {
          key: 'buyers',
          condition: parseCondition("trait('stage') = 'buyer' AND trait('spend') > 100"),
          marketing: false,
        },
      ],
    };
    expect(evaluatePerson(definitions, orders, NOW)).toMatchObject({
      traits: { spend: 600.5 },
      stage: 'buyer',
      audiences: ['buyers'],
    });
  });

  it('gives the next time a window edge passes an event, and nothing when no window can change a result', () => {
    const within = {
      traits: [],
      stages: [],
      audiences: [
        {
          key: 'a',
          condition: parseCondition("event('Order Completed').within(30 days).count() >= 1"),
          marketing: false,
        },
      ],
    };
    expect(evaluatePerson(within, orders, NOW).nextChangeAt).toBe(NOW + 20 * DAY);
    const between = {
      ...within,
      audiences: [
        {
          key: 'a',
          condition: parseCondition("event('Product Viewed').between(7 days, 30 days).count() >= 1"),
          marketing: false,
        },
      ],
    };
    expect(evaluatePerson(between, orders, NOW).nextChangeAt).toBe(NOW + 6 * DAY);
    const plain = {
      ...within,
      audiences: [{ key: 'a', condition: parseCondition("event('Order Completed').count() >= 1"), marketing: false }],
    };
    expect(evaluatePerson(plain, orders, NOW).nextChangeAt).toBeNull();
  });

  it('reads the events oldest first whichever order they come in, ties in the order given', () => {
    const definitions: Definitions = {
      traits: [
        { key: 'first', value: parseValue("event('Order Completed').first(property('category'))") },
        { key: 'last', value: parseValue("event('Order Completed').last(property('revenue'))") },
        { key: 'mode', value: parseValue("event('Order Completed').mode(property('category'))") },
        { key: 'sum', value: parseValue("event('Order Completed').within(365 days).sum(property('revenue'))") },
      ],
      audiences: [
        {
          key: 'viewer',
          condition: parseCondition("event('Product Viewed').within(30 days).count() >= 1"),
          marketing: false,
        },
      ],
      stages: [],
    };
    const inOrder = evaluatePerson(definitions, orders, NOW);
    expect(inOrder).toEqual({
      traits: { first: 'tea', last: 'n/a', mode: 'tea', sum: 100.5 },
      audiences: ['viewer'],
      stage: null,
      nextChangeAt: NOW + 29 * DAY,
    });
    expect(evaluatePerson(definitions, { ...orders, events: [...orders.events].reverse() }, NOW)).toEqual(inOrder);
    const tied = [ev('Order Completed', 3, { category: 'mugs' }), ev('Order Completed', 3, { category: 'tea' })];
    expect(evaluatePerson(definitions, facts(tied), NOW).traits).toMatchObject({ first: 'mugs', mode: 'tea' });
    expect(evaluatePerson(definitions, facts([ev('X', 0), ...tied.toReversed()]), NOW).traits).toMatchObject({
      first: 'tea',
      mode: 'mugs',
    });
  });

  it('gives a query held by several definitions the same value in each, its window counted once', () => {
    const query = "event('Order Completed').within(30 days).count()";
    const definitions: Definitions = {
      traits: [{ key: 'recent_orders', value: parseValue(query) }],
      stages: [{ key: 'recent_buyer', condition: parseCondition(`${query} >= 2`), marketing: false }],
      audiences: [
        { key: 'one_recent_order', condition: parseCondition(`${query} = 1`), marketing: false },
        {
          key: 'recent_buyers',
          condition: parseCondition(`${query} >= 1 AND trait('recent_orders') = 2`),
          marketing: false,
        },
      ],
    };
    expect(evaluatePerson(definitions, orders, NOW)).toEqual({
      traits: { recent_orders: 2 },
      audiences: ['recent_buyers'],
      stage: 'recent_buyer',
      nextChangeAt: NOW + 20 * DAY,
    });
  });

  it('evaluates a definition added after the definitions were first evaluated', () => {
    const definitions: Definitions = { traits: [], audiences: [], stages: [] };
    expect(evaluatePerson(definitions, orders, NOW).audiences).toEqual([]);
    definitions.audiences.push({
      key: 'viewers',
      condition: parseCondition("event('Product Viewed').within(7 days).count() >= 1"),
      marketing: false,
    });
    expect(evaluatePerson(definitions, orders, NOW)).toMatchObject({
      audiences: ['viewers'],
      nextChangeAt: NOW + 6 * DAY,
    });
  });

  it('holds nobody without analytics consent, and in a marketing audience only with marketing consent', () => {
    const definition = "event('Order Completed').count() >= 1";
    expect(holds(definition, { ...orders, consent: { analytics: false, marketing: true } })).toBe(false);
    expect(holds(definition, orders, true)).toBe(false);
    expect(holds(definition, { ...orders, consent: { analytics: true, marketing: false } }, true)).toBe(false);
    expect(holds(definition, { ...orders, consent: { analytics: true, marketing: true } }, true)).toBe(true);
  });
});
