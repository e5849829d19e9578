import { describe, expect, it } from 'vitest';
import { audienceApp, track } from '../../test/support/audiences.ts';

interface Answer {
  person: object;
  next: string | null;
  members: { userIds: string[] }[];
  audiences: unknown[];
  stages: unknown[];
}

describe('reading audiences', { timeout: 30_000 }, () => {
  it('the person API shows computed traits, audiences and stage; the members API pages an audience with its count', async () => {
    const t = await audienceApp();
    const at = t.now().toISOString();
    for (const user of ['u1', 'u2', 'u3']) {
      await t.send([
        track(`${user}-o1`, { userId: user }, 'Order Completed', { revenue: 60 }, at),
        track(`${user}-o2`, { userId: user }, 'Order Completed', { revenue: 60 }, at),
      ]);
    }
    await t.send([track('u4-o1', { userId: 'u4' }, 'Order Completed', { revenue: 5 }, at)]);
    const admin = (path: string, token = 'admin') =>
      t.app.request(path, { headers: { Authorization: `Bearer ${token}` } });
    const read = async (path: string) => (await (await admin(path)).json()) as Answer;

    const person = await read('/v1/persons/user/u1');
    expect(person.person).toMatchObject({
      computedTraits: { lifetime_revenue: 120 },
      audiences: ['big_spenders', 'repeat_buyers'],
      stage: 'repeat_buyer',
    });

    const first = await read('/v1/audiences/repeat_buyers/members?limit=2');
    expect(first).toMatchObject({ ok: true, key: 'repeat_buyers', site: 'shop', count: 3 });
    expect(first.members).toHaveLength(2);
    const second = await read(`/v1/audiences/repeat_buyers/members?limit=2&after=${first.next}`);
    expect(second).toMatchObject({ count: 3, next: null });
    expect([...first.members, ...second.members].flatMap((m) => m.userIds).sort()).toEqual(['u1', 'u2', 'u3']);

    const stage = await read('/v1/audiences/stage:first_time_buyer/members');
    expect(stage.members.map((m) => m.userIds)).toEqual([['u4']]);
    const counts = await read('/v1/audiences');
    expect(counts.audiences).toContainEqual({ key: 'repeat_buyers', count: 3 });
    expect(counts.stages).toContainEqual({ key: 'first_time_buyer', count: 1 });

    expect((await admin('/v1/audiences/nope/members')).status).toBe(404);
    expect(await (await admin('/v1/audiences/repeat_buyers/members?limit=0')).json()).toMatchObject({
      ok: false,
      error: 'invalid_request',
    });
    expect((await admin('/v1/audiences/repeat_buyers/members', 'wrong')).status).toBe(401);
    expect((await t.app.request('/v1/audiences')).status).toBe(401);
  });
});

describe('kith audiences', { timeout: 30_000 }, () => {
  it('rebuilds, lists counts and members with the same code as the collector', async () => {
    const { audiencesCommand } = await import('./cli.ts');
    const t = await audienceApp();
    const at = t.now().toISOString();
    await t.send([
      track('o1', { userId: 'u1' }, 'Order Completed', { revenue: 60 }, at),
      track('o2', { userId: 'u1' }, 'Order Completed', { revenue: 60 }, at),
    ]);
    const config = t.config;
    expect(await audiencesCommand('rebuild', undefined, 'shop', config, t.storage)).toMatchObject([
      { site: 'shop', persons: 1 },
    ]);
    const [list] = (await audiencesCommand('list', undefined, undefined, config, t.storage)) as {
      audiences: unknown[];
    }[];
    expect(list!.audiences).toContainEqual({ key: 'repeat_buyers', count: 1 });
    expect(await audiencesCommand('members', 'repeat_buyers', 'shop', config, t.storage)).toMatchObject({
      count: 1,
      members: [{ userIds: ['u1'] }],
    });
    await expect(audiencesCommand('members', undefined, 'shop', config, t.storage)).rejects.toThrow(
      /give the audience key/,
    );
    await expect(audiencesCommand('list', undefined, 'nope', config, t.storage)).rejects.toThrow(/no site "nope"/);
  });
});
