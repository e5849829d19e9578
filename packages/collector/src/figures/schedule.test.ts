import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { createSqliteStorage } from '../storage/sqlite/index.ts';
import type { StoredEvent } from '../storage/storage.ts';
import { refitDue, startRefits } from './schedule.ts';

/** 40 customers, each ordering every 10 + i days from January on: enough repeat purchases to fit. */
function orders(): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let customer = 0; customer < 40; customer++) {
    for (let day = customer % 7; day < 180; day += 10 + customer) {
      const timestamp = new Date(Date.UTC(2026, 0, 1 + day, 12)).toISOString();
      events.push({
        type: 'track',
        event: 'Order Completed',
        messageId: `o-${customer}-${day}`,
        userId: `c${customer}`,
        site: 'shop',
        timestamp,
        receivedAt: timestamp,
        properties: { revenue: 20 + customer },
      });
    }
  }
  return events;
}

describe('predictions on schedule', () => {
  it('refits every site and writes the scores as person traits', async () => {
    const storage = createSqliteStorage({ path: ':memory:' });
    await storage.migrate();
    await storage.write({ events: orders(), consents: [], rejected: [] });
    const logged: string[] = [];
    const refits = startRefits(storage, ['shop', 'empty'], 24, { firstAfterMs: 0, log: (line) => logged.push(line) });
    await expect.poll(() => storage.predictions('shop'), { timeout: 20_000 }).not.toBeNull();
    await refits.stop();
    expect(logged).toEqual([expect.stringMatching(/^site "shop": refitted on 40 customers/)]);
    const person = await storage.person('shop', { kind: 'user', id: 'c0' });
    expect(person!.traits).toMatchObject({
      p_alive: expect.any(Number),
      likely_to_churn: expect.any(Boolean),
      rfm_segment: expect.any(String),
    });
    await storage.close();
  }, 30_000);

  it('refits on the hourly cron every refitHours hours', () => {
    expect(refitDue(new Date('2026-06-01T00:00:00Z'), 24)).toBe(true);
    expect(refitDue(new Date('2026-06-01T05:00:00Z'), 24)).toBe(false);
    expect(refitDue(new Date('2026-06-01T06:00:00Z'), 6)).toBe(true);
    expect(refitDue(new Date('2026-06-01T00:00:00Z'), 0)).toBe(false);
  });

  it('takes refitHours from the config, daily by default, and names the field when it is wrong', () => {
    const sites = [{ id: 'shop', writeKey: 'key', origins: [] }];
    expect(parseConfig({ sites }).predictions).toEqual({ refitHours: 24 });
    expect(() => parseConfig({ sites, predictions: { refitHours: 1.5 } })).toThrow(
      /predictions\.refitHours: must be a whole number/,
    );
  });
});
