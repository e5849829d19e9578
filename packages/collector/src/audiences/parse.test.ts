import { describe, expect, it } from 'vitest';
import { DefinitionError, parseCondition, parseValue } from './parse.ts';

const errorOf = (parse: () => unknown) => {
  try {
    parse();
  } catch (error) {
    if (error instanceof DefinitionError) return { message: error.message, offset: error.offset };
    throw error;
  }
  throw new Error('parsed without an error');
};

describe('the definition parser', () => {
  it("reads Segment's audience query with a filter, a window and a comparison", () => {
    expect(
      parseCondition("event('Order Completed').where( property('revenue') > 100 ).within(30 days).count() >= 2"),
    ).toEqual({
      kind: 'compare',
      op: '>=',
      value: 2,
      left: {
        kind: 'events',
        name: 'Order Completed',
        filters: [{ kind: 'compare', field: { source: 'property', path: ['revenue'] }, op: '>', value: 100 }],
        window: { fromMs: 0, toMs: 30 * 86_400_000 },
        reducer: { name: 'count', field: null, minFrequency: 1 },
      },
    });
  });

  it('joins conditions with AND, OR, NOT and parentheses, AND binding tighter than OR', () => {
    const parsed = parseCondition("trait('plan') = 'pro' OR NOT (event('A').count() >= 1 AND trait('vip') = true)");
    expect(parsed.kind).toBe('or');
    if (parsed.kind !== 'or') return;
    expect(parsed.right.kind).toBe('not');
    const and = parseCondition("trait('a') = 1 OR trait('b') = 2 AND trait('c') = 3");
    expect(and.kind === 'or' && and.right.kind).toBe('and');
  });

  it('reads computed traits with every reducer, windows in hours and between', () => {
    expect(parseValue("event('Order Completed').within(365 days).sum(property('revenue'))")).toMatchObject({
      reducer: { name: 'sum', field: { path: ['revenue'] } },
    });
    expect(parseValue("event('Product Viewed').within(30 days).mode(property('category'), 2)")).toMatchObject({
      reducer: { name: 'mode', minFrequency: 2 },
    });
    expect(parseValue("event('Product Viewed').between(2 hours, 3 days).unique(context('page.path'))")).toMatchObject({
      window: { fromMs: 2 * 3_600_000, toMs: 3 * 86_400_000 },
      reducer: { name: 'unique', field: { source: 'context', path: ['page', 'path'] } },
    });
    for (const reducer of ['avg', 'min', 'max', 'first', 'last']) {
      expect(parseValue(`event('X').${reducer}(property('v'))`)).toMatchObject({ reducer: { name: reducer } });
    }
    expect(
      parseCondition("event('X').where(property('name') contains 'mug' AND context('locale') != 'de').count() = 0"),
    ).toMatchObject({ kind: 'compare' });
  });

  it('names what it expected and where, for each kind of mistake', () => {
    expect(errorOf(() => parseCondition("event('Order Completed').within(30 dayz).count() >= 2"))).toEqual({
      message: 'expected "days" or "hours" after the number, found "dayz"',
      offset: 35,
    });
    expect(errorOf(() => parseCondition("event('Order Completed').count( >= 2"))).toEqual({
      message: 'expected ")" to close count(, found ">="',
      offset: 32,
    });
    expect(errorOf(() => parseCondition("event('Order Completed).count()"))).toEqual({
      message: "the string starting here has no closing '",
      offset: 6,
    });
    expect(errorOf(() => parseCondition("event('A').counts() >= 1"))).toMatchObject({
      message: expect.stringContaining('found "counts"'),
      offset: 11,
    });
    expect(errorOf(() => parseCondition("trait('plan') = 'pro' AND"))).toEqual({
      message: "expected event('Name') or trait('name'), found the end",
      offset: 25,
    });
    expect(errorOf(() => parseCondition("trait('plan') = 'pro' trait('x')"))).toMatchObject({
      message: 'expected AND, OR or the end of the definition, found "trait"',
      offset: 22,
    });
    expect(errorOf(() => parseCondition("event('A').between(30 days, 7 days).count() > 0"))).toMatchObject({
      offset: 28,
    });
    expect(errorOf(() => parseCondition("event('A').count().where(property('x') = 1) > 0"))).toMatchObject({
      message: expect.stringContaining('nothing may follow its reducer'),
    });
    expect(errorOf(() => parseCondition("event('A').count() >= 1 # x"))).toEqual({
      message: 'unexpected character "#"',
      offset: 24,
    });
    expect(errorOf(() => parseValue("event('A').sum(revenue)"))).toMatchObject({
      message: "expected property('name') or context('name'), found \"revenue\"",
      offset: 15,
    });
  });
});
