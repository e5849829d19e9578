import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audienceApp, track } from '../../test/support/audiences.ts';
import { eventually } from '../../test/support/eventually.ts';
import { startWebhookReceiver } from '../../test/support/webhook-receiver.ts';
import { startForwarding } from '../forward/index.ts';
import { startErasurePurge } from './erasure.ts';

const SECRET = 'erasure-exits-webhook-secret-0123';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('exits on erasure', { timeout: 30_000 }, () => {
  it('sends the erased person’s exits to the forwarders once each, then deletes them: no byte of the files names the person', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-erasure-exits-'));
    const path = join(dir, 'kith.db');
    const receiver = await startWebhookReceiver(SECRET);
    const t = await audienceApp(undefined, {
      path,
      forward: { webhooks: [{ id: 'crm', url: receiver.url, secret: SECRET }], pollMs: 50 },
    });
    const forwarding = startForwarding(t.storage, t.config.forward!, { owner: 'test' });
    const purging = startErasurePurge(t.storage, forwarding.destinations);
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => t.storage.close(),
      () => receiver.close(),
      () => forwarding.stop(),
      () => purging.stop(),
    );

    const [userId, anonymousId] = ['erasable-user-9x', 'erasable-anon-9x'];
    const at = t.now().toISOString();
    await t.send([
      { type: 'identify', messageId: 'login', userId, anonymousId, timestamp: at },
      track('o1', { userId, anonymousId }, 'Order Completed', { revenue: 70 }, at),
      track('o2', { anonymousId }, 'Order Completed', { revenue: 70 }, at),
      { type: 'page', messageId: 'bystander-page', anonymousId: 'bystander', timestamp: at },
    ]);
    const mine = () => receiver.delivered().filter((e) => e.userId === userId && e.context?.kith !== undefined);
    await eventually(
      () => mine().filter((e) => e.event === 'Audience Entered').length === 2,
      5000,
      'the entries of repeat_buyers and big_spenders',
    );
    const personId = (mine()[0]!.context!.kith as { personId: string }).personId;

    const erased = await t.app.request(`/v1/persons/user/${userId}?site=shop`, {
      method: 'DELETE',
      headers: { Authorization: 'Bearer admin' },
    });
    expect(erased.status).toBe(200);

    const exits = () => mine().filter((e) => e.properties?.reason === 'erasure');
    await eventually(() => exits().length === 3, 5000, 'the exits of both audiences and the stage');
    expect(
      exits()
        .map((e) => `${e.event}:${String(e.properties?.audience_key ?? e.properties?.stage_key)}`)
        .sort(),
    ).toEqual(['Audience Exited:big_spenders', 'Audience Exited:repeat_buyers', 'Journey Stage Changed:null']);
    // They name the person only as the entries did.
    for (const exit of exits())
      expect(exit).toMatchObject({
        userId,
        anonymousId,
        context: { kith: { personId, userIds: [userId], anonymousIds: [anonymousId], erasure: true } },
      });

    // Once delivered they are deleted: nothing left on disk names the person, the bystander's event stays.
    const files = () =>
      ['', '-wal', '-shm']
        .map((suffix) => path + suffix)
        .filter(existsSync)
        .map((file) => readFileSync(file).toString('latin1'))
        .join('');
    await eventually(
      () => [userId, anonymousId, personId].every((value) => !files().includes(value)),
      5000,
      'the delivered exits deleted',
    );
    expect((await t.storage.personKeys('shop')).map((key) => key.id)).toEqual(['bystander']);
    // Nothing was said twice, and nothing new is said of the erased person.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(new Set(receiver.delivered().map((e) => e.messageId)).size).toBe(receiver.delivered().length);
    expect(exits()).toHaveLength(3);
  });

  it('writes no exits when nothing is forwarded', async () => {
    const t = await audienceApp();
    cleanups.push(() => t.storage.close());
    const at = t.now().toISOString();
    await t.send([track('o1', { userId: 'solo' }, 'Order Completed', { revenue: 10 }, at)]);
    expect(await t.changes('user', 'solo')).not.toHaveLength(0);
    const erased = await t.app.request('/v1/persons/user/solo?site=shop', {
      method: 'DELETE',
      headers: { Authorization: 'Bearer admin' },
    });
    expect(erased.status).toBe(200);
    expect(await t.changes('user', 'solo')).toEqual([]);
    expect(await t.storage.personKeys('shop')).toEqual([]);
  });
});
