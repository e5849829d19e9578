import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../storage/storage.ts';
import { audienceApp, track } from '../../test/support/audiences.ts';
import { announcedState } from './reconcile.ts';

const DAY = 86_400_000;

const summary = (events: StoredEvent[]) =>
  events.map((e) =>
    e.type === 'identify' ? `identify ${JSON.stringify(e.traits)}` : `${e.event} ${JSON.stringify(e.properties)}`,
  );

describe('audiences on the person, as events are stored', { timeout: 30_000 }, () => {
  it('a visitor who logs in on a second device and orders twice enters the repeat buyers once, with the stage change', async () => {
    const t = await audienceApp();
    const at = t.now().toISOString();
    await t.send([track('v1', { anonymousId: 'laptop' }, 'Product Viewed', { category: 'mugs' }, at)]);
    await t.send([
      {
        type: 'identify',
        messageId: 'login-1',
        anonymousId: 'laptop',
        userId: 'ada',
        traits: { email: 'ada@example.com' },
        timestamp: at,
      },
      { type: 'identify', messageId: 'login-2', anonymousId: 'phone', userId: 'ada', timestamp: at },
      track('o1', { anonymousId: 'phone', userId: 'ada' }, 'Order Completed', { revenue: 40 }, at),
    ]);
    await t.send([track('o2', { anonymousId: 'phone' }, 'Order Completed', { revenue: '80' }, at)]);
    // Sent again (a client's retry): stored once, evaluated again, changes nothing.
    await t.send([track('o2', { anonymousId: 'phone' }, 'Order Completed', { revenue: '80' }, at)]);

    const changes = await t.changes('anonymous', 'laptop');
    expect(summary(changes)).toEqual([
      'identify {"favourite_category":"mugs","lifetime_revenue":0}',
      'Journey Stage Changed {"stage_key":"visitor","previous_stage_key":null}',
      'identify {"lifetime_revenue":40}',
      'Journey Stage Changed {"stage_key":"first_time_buyer","previous_stage_key":"visitor"}',
      'identify {"lifetime_revenue":120}',
      'Journey Stage Changed {"stage_key":"repeat_buyer","previous_stage_key":"first_time_buyer"}',
      'Audience Entered {"audience_key":"big_spenders"}',
      'Audience Entered {"audience_key":"repeat_buyers"}',
    ]);
    // Each change carries the person's user ID and every ID, under a messageId that names the change.
    expect(changes.at(-1)).toMatchObject({
      userId: 'ada',
      context: { kith: { userIds: ['ada'], anonymousIds: expect.arrayContaining(['laptop', 'phone']) } },
    });
    expect(new Set(changes.map((e) => e.messageId)).size).toBe(changes.length);
    // No marketing consent on record: never in the marketing audience.
    expect(changes.some((e) => e.properties?.audience_key === 'newsletter_buyers')).toBe(false);
  });

  it('the computed traits one evaluation changes go as one identify; a value that comes back is a new change', async () => {
    const t = await audienceApp();
    await t.send([track('v1', { userId: 'cy' }, 'Product Viewed', { category: 'mugs' }, t.now().toISOString())]);
    await t.send([track('o1', { userId: 'cy' }, 'Order Completed', { revenue: 30 }, t.now().toISOString())]);
    t.advance(31 * DAY);
    await t.audiences.runDue();
    await t.send([track('v2', { userId: 'cy' }, 'Product Viewed', { category: 'mugs' }, t.now().toISOString())]);
    const changes = await t.changes('user', 'cy');
    expect(summary(changes.filter((e) => e.type === 'identify'))).toEqual([
      'identify {"favourite_category":"mugs","lifetime_revenue":0}',
      'identify {"lifetime_revenue":30}',
      'identify {"favourite_category":null}',
      'identify {"favourite_category":"mugs"}',
    ]);
    // Each trait keeps its own count: "mugs" again is a change of its own, under a messageId of its own.
    expect(changes.filter((e) => e.type === 'identify').map((e) => e.context?.kith)).toMatchObject([
      { slot: 'traits', seqs: { favourite_category: 1, lifetime_revenue: 1 } },
      { slot: 'traits', seqs: { lifetime_revenue: 2 } },
      { slot: 'traits', seqs: { favourite_category: 2 } },
      { slot: 'traits', seqs: { favourite_category: 3 } },
    ]);
    expect(new Set(changes.map((e) => e.messageId)).size).toBe(changes.length);
    // A person's changes share the messageId's first part, so they sit side by side in the messageId key.
    expect(new Set(changes.map((e) => /^kith-[0-9a-f]{8}/.exec(e.messageId)?.[0])).size).toBe(1);
    expect(announcedState(changes).traits).toEqual({ favourite_category: 'mugs', lifetime_revenue: 30 });
    // Nothing left to announce: a rebuild agrees.
    expect(await t.audiences.rebuild('shop')).toMatchObject({ changes: 0 });
  });

  it('a store with one identify per trait (written before) is read and continued', async () => {
    const t = await audienceApp();
    const at = t.now().toISOString();
    const before = (messageId: string, key: string, value: unknown, seq: number): StoredEvent => ({
      type: 'identify',
      site: 'shop',
      messageId,
      userId: 'di',
      traits: { [key]: value },
      timestamp: at,
      receivedAt: at,
      context: {
        kith: { computed: true, slot: `trait:${key}`, seq, personId: 'user:di', userIds: ['di'], anonymousIds: [] },
      },
    });
    await t.storage.write({
      events: [
        {
          type: 'track',
          site: 'shop',
          messageId: 'o1',
          userId: 'di',
          event: 'Order Completed',
          properties: { revenue: 50 },
          timestamp: at,
          receivedAt: at,
        },
        before('old-1', 'lifetime_revenue', 0, 1),
        before('old-2', 'lifetime_revenue', 50, 2),
      ],
      consents: [],
      rejected: [],
    });
    expect(announcedState(await t.changes('user', 'di')).traits).toEqual({ lifetime_revenue: 50 });
    await t.send([track('o2', { userId: 'di' }, 'Order Completed', { revenue: 20 }, at)]);
    const identifies = (await t.changes('user', 'di')).filter((e) => e.type === 'identify');
    expect(identifies.at(-1)).toMatchObject({
      traits: { lifetime_revenue: 70 },
      context: { kith: { slot: 'traits', seq: 3, seqs: { lifetime_revenue: 3 } } },
    });
    expect(announcedState(await t.changes('user', 'di')).traits).toEqual({ lifetime_revenue: 70 });
  });

  it('a lapsed customer leaves and enters on schedule, with no new event', async () => {
    const t = await audienceApp();
    await t.send([track('o1', { userId: 'bo' }, 'Order Completed', { revenue: 10 }, t.now().toISOString())]);
    t.advance(59 * DAY);
    await t.audiences.runDue();
    expect((await t.changes('user', 'bo')).some((e) => e.properties?.audience_key === 'lapsed_customers')).toBe(false);
    t.advance(DAY);
    await t.audiences.runDue();
    const changes = await t.changes('user', 'bo');
    expect(summary(changes).slice(-1)).toEqual(['Audience Entered {"audience_key":"lapsed_customers"}']);
    t.advance(31 * DAY);
    await t.audiences.runDue();
    expect(summary(await t.changes('user', 'bo')).slice(-1)).toEqual([
      'Journey Stage Changed {"stage_key":"at_risk","previous_stage_key":"first_time_buyer"}',
    ]);
  });

  it('a withdrawal of consent takes the person out of everything; only marketing consent admits to a marketing audience', async () => {
    const t = await audienceApp();
    const at = t.now().toISOString();
    const consent = (messageId: string, categories: Record<string, boolean>, method: string) => ({
      type: 'consent',
      messageId,
      anonymousId: 'cat',
      properties: { policyVersion: '1', categories: { necessary: true, ...categories }, method },
      timestamp: at,
    });
    await t.send([
      consent('c1', { analytics: true, marketing: false }, 'custom'),
      track('o1', { anonymousId: 'cat' }, 'Order Completed', { revenue: 5 }, at),
    ]);
    const member = async () => {
      const entered = new Set<string>();
      for (const e of await t.changes('anonymous', 'cat')) {
        const key = e.properties?.audience_key as string | undefined;
        if (key && e.event === 'Audience Entered') entered.add(key);
        if (key && e.event === 'Audience Exited') entered.delete(key);
      }
      return [...entered].sort();
    };
    expect(await member()).toEqual([]);
    await t.send([consent('c2', { analytics: true, marketing: true }, 'accept-all')]);
    expect(await member()).toEqual(['newsletter_buyers']);
    await t.send([consent('c3', { analytics: true, marketing: false }, 'custom')]);
    expect(await member()).toEqual([]);
    await t.send([consent('c4', { analytics: true, marketing: true }, 'accept-all')]);
    await t.send([consent('c5', { analytics: false, marketing: false }, 'withdraw')]);
    expect(await member()).toEqual([]);
    expect(summary(await t.changes('anonymous', 'cat')).slice(-2)).toEqual([
      'Journey Stage Changed {"stage_key":null,"previous_stage_key":"first_time_buyer"}',
      'Audience Exited {"audience_key":"newsletter_buyers"}',
    ]);
  });

  it("a client cannot forge the collector's change events", async () => {
    const t = await audienceApp();
    const forged = {
      ...track('f1', { userId: 'eve' }, 'Audience Entered', { audience_key: 'repeat_buyers' }, t.now().toISOString()),
      context: { kith: { computed: true, slot: 'audience:repeat_buyers', seq: 9 } },
    };
    await t.send([forged]);
    const page = await t.storage.events({ site: 'shop', userIds: ['eve'], anonymousIds: [], limit: 10 });
    expect(page.events.find((e) => e.messageId === 'f1')?.context).toEqual({});
    expect(summary(await t.changes('user', 'eve'))).toEqual([
      'identify {"lifetime_revenue":0}',
      'Journey Stage Changed {"stage_key":"identified","previous_stage_key":null}',
    ]);
  });
});
