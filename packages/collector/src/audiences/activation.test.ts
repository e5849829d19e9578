import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { startForwarder } from '../forward/forwarder.ts';
import { eventually } from '../../test/support/eventually.ts';
import { startWebhookReceiver } from '../../test/support/webhook-receiver.ts';
import { webhookDestination } from '../forward/webhook.ts';
import { audienceApp, track } from '../../test/support/audiences.ts';

const SECRET = 'audiences-webhook-secret-0123456789';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('activation through the webhook forwarder', { timeout: 30_000 }, () => {
  it('a signature-checking receiver gets Audience Entered and the stage change once each, within a second of the qualifying order', async () => {
    const t = await audienceApp();
    const receiver = await startWebhookReceiver(SECRET);
    const webhook = parseConfig({
      sites: [{ id: 's', writeKey: 'k-s', origins: [] }],
      forward: { webhooks: [{ id: 'crm', url: receiver.url, secret: SECRET }] },
    }).forward!.webhooks[0]!;
    const forwarder = startForwarder({
      store: t.storage,
      destination: webhookDestination(webhook),
      owner: 'test',
      batchSize: 100,
      pollMs: 50,
      retry: { initialMs: 10, maxMs: 100 },
    });
    cleanups.push(
      () => t.storage.close(),
      () => receiver.close(),
      () => forwarder.stop(),
    );

    const at = t.now().toISOString();
    await t.send([
      { type: 'identify', messageId: 'login', userId: 'ada', anonymousId: 'phone', timestamp: at },
      track('o1', { userId: 'ada', anonymousId: 'phone' }, 'Order Completed', { revenue: 20 }, at),
    ]);
    await eventually(
      () => receiver.delivered().some((e) => e.event === 'Journey Stage Changed'),
      5000,
      'the first stage change',
    );
    const qualifying = Date.now();
    await t.send([track('o2', { anonymousId: 'phone' }, 'Order Completed', { revenue: 20 }, at)]);
    const entered = () =>
      receiver
        .delivered()
        .filter((e) => e.event === 'Audience Entered' && e.properties?.audience_key === 'repeat_buyers');
    await eventually(() => entered().length > 0, 5000, 'Audience Entered');
    expect(Date.now() - qualifying).toBeLessThan(1000);
    // A little longer: nothing is sent twice.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.every((r) => r.signed)).toBe(true);
    expect(entered()).toHaveLength(1);
    expect(entered()[0]).toMatchObject({
      type: 'track',
      userId: 'ada',
      anonymousId: 'phone',
      context: { kith: { userIds: ['ada'], anonymousIds: ['phone'] } },
    });
    const stages = receiver
      .delivered()
      .filter((e) => e.event === 'Journey Stage Changed')
      .map((e) => e.properties?.stage_key);
    expect(stages).toEqual(['first_time_buyer', 'repeat_buyer']);
    // Computed traits go as identify traits.
    expect(
      receiver
        .delivered()
        .filter((e) => e.type === 'identify' && e.context?.kith)
        .map((e) => e.traits),
    ).toEqual([{ lifetime_revenue: 20 }, { lifetime_revenue: 40 }]);
  });
});
