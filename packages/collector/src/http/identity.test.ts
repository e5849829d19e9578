import { describe, expect, it } from 'vitest';
import { signLinker } from '../identity/linker-token.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

const granted = { consent: { policyVersion: '1', categories: { necessary: true, analytics: true, marketing: false } } };
const denied = { consent: { policyVersion: '1', categories: { necessary: true, analytics: false, marketing: false } } };
const browserEvent = (messageId: string, anonymousId: string, overrides: Record<string, unknown> = {}) =>
  trackEvent(messageId, { anonymousId, context: granted, ...overrides });

/** The test app, with a browser's cookie jar for the collector's device cookie. */
async function browser(options: Parameters<typeof testApp>[0] = {}) {
  const t = await testApp(options);
  let cookie: string | undefined;
  const send = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await t.post('/v1/batch', body, {
      ...t.basic(SHOP_KEY),
      Origin: 'https://shop.example',
      ...(cookie ? { Cookie: cookie } : {}),
      ...headers,
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = /Max-Age=0/i.test(set) ? undefined : set.split(';')[0];
    return { res, setCookie: set, json: (await res.json()) as Record<string, unknown> };
  };
  const person = async (kind: string, id: string) =>
    (await (await t.admin(`/v1/persons/${kind}/${id}?site=shop`)).json()) as { person: Record<string, unknown> };
  return {
    ...t,
    send,
    person,
    cookie: () => cookie,
    wipe: () => (cookie = undefined),
    setJar: (value: string | undefined) => (cookie = value),
  };
}

describe('device cookie', () => {
  it('is set HttpOnly, SameSite=Lax, for 400 days on a consented browser batch, and ties the device to the anonymous ID', async () => {
    const b = await browser();
    const { setCookie } = await b.send({ batch: [browserEvent('m1', 'a1')] });
    expect(setCookie).toMatch(/^kith_did=[0-9a-f-]{36}; Max-Age=34560000; Path=\/; HttpOnly; SameSite=Lax$/);
    const deviceId = b.cookie()!.split('=')[1];
    expect((await b.person('anonymous', 'a1')).person).toMatchObject({ anonymousIds: ['a1'], deviceIds: [deviceId] });
    const [stored] = (await b.storage.events({ site: 'shop', userIds: [], anonymousIds: ['a1'], limit: 1 })).events;
    expect(stored?.deviceId).toBe(deviceId);
  });

  it('is Secure when the request came over https', async () => {
    const b = await browser();
    const res = await b.app.request('https://shop.example/v1/batch', {
      method: 'POST',
      headers: { ...b.basic(SHOP_KEY), 'Content-Type': 'text/plain' },
      body: JSON.stringify({ batch: [browserEvent('m1', 'a1')] }),
    });
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it('is never set without analytics consent, nor for server-side events, and is deleted when consent is withdrawn', async () => {
    const b = await browser();
    expect((await b.send({ batch: [trackEvent('server', { userId: 'u1' })] })).setCookie).toBeNull();
    expect((await b.send({ batch: [browserEvent('no', 'a1', { context: denied })] })).setCookie).toBeNull();
    await b.send({ batch: [browserEvent('m1', 'a1')] });
    expect(b.cookie()).toBeDefined();
    const withdraw = {
      type: 'consent',
      messageId: 'c1',
      anonymousId: 'one-time',
      properties: { ...denied.consent, method: 'withdraw' },
    };
    const { setCookie } = await b.send({ batch: [withdraw] });
    expect(setCookie).toMatch(/^kith_did=; Max-Age=0; Path=\//);
  });

  it('restores a wiped script cookie: links the new anonymous ID and answers with the surviving one', async () => {
    const b = await browser();
    await b.send({
      batch: [
        browserEvent('m1', 'old-anon'),
        trackEvent('login', { type: 'identify', anonymousId: 'old-anon', userId: 'u1', context: granted }),
      ],
    });
    const { json } = await b.send({ batch: [browserEvent('m2', 'fresh-anon')], restore: 'fresh-anon' });
    expect(json).toMatchObject({ ok: true, accepted: 1, anonymousId: 'old-anon' });
    const { person } = await b.person('user', 'u1');
    expect(person).toMatchObject({ userIds: ['u1'], eventCount: 3 });
    expect([...(person.anonymousIds as string[])].sort()).toEqual(['fresh-anon', 'old-anon']);
  });

  it('starts a new device, and so a new person, for a new anonymous ID that does not ask to be restored (a logout)', async () => {
    const b = await browser();
    await b.send({
      batch: [trackEvent('login', { type: 'identify', anonymousId: 'a1', userId: 'u1', context: granted })],
    });
    const before = b.cookie();
    const { json } = await b.send({ batch: [browserEvent('m2', 'a2')] });
    expect(json.anonymousId).toBeUndefined();
    expect(b.cookie()).not.toBe(before);
    await b.send({
      batch: [trackEvent('login-2', { type: 'identify', anonymousId: 'a2', userId: 'u2', context: granted })],
    });
    expect((await b.person('user', 'u1')).person).toMatchObject({ userIds: ['u1'], anonymousIds: ['a1'] });
    expect((await b.person('user', 'u2')).person).toMatchObject({ userIds: ['u2'], anonymousIds: ['a2'] });
  });

  it("forgets an erased device at once: the browser's next batch gets a new device, not the erased one", async () => {
    const b = await browser();
    await b.send({ batch: [browserEvent('m1', 'a1')] });
    await b.send({ batch: [browserEvent('m2', 'a1')] }); // a returning batch: the device is now known
    const erasedDevice = b.cookie()!.split('=')[1];
    const erased = await b.app.request('/v1/persons/anonymous/a1?site=shop', {
      method: 'DELETE',
      headers: { Authorization: 'Bearer test-admin-token' },
    });
    expect(erased.status).toBe(200);
    await b.send({ batch: [browserEvent('m3', 'a1')] });
    const deviceIds = (await b.person('anonymous', 'a1')).person.deviceIds as string[];
    expect(deviceIds).toHaveLength(1);
    expect(deviceIds[0]).not.toBe(erasedDevice);
    const [stored] = (await b.storage.events({ site: 'shop', userIds: [], anonymousIds: ['a1'], limit: 1 })).events;
    expect(stored).toMatchObject({ messageId: 'm3', deviceId: deviceIds[0] });
  });

  it('keeps one device for a browser that never sends the cookie back (a collector on another site), and a new one after a logout', async () => {
    const b = await browser();
    for (const messageId of ['m1', 'm2', 'm3']) {
      b.wipe();
      await b.send({ batch: [browserEvent(messageId, 'a1')] });
    }
    const { person } = await b.person('anonymous', 'a1');
    expect(person.deviceIds).toHaveLength(1);
    const stored = (await b.storage.events({ site: 'shop', userIds: [], anonymousIds: ['a1'], limit: 10 })).events;
    expect(stored.map((event) => event.deviceId)).toEqual([0, 1, 2].map(() => (person.deviceIds as string[])[0]));
    b.wipe();
    await b.send({ batch: [browserEvent('m4', 'a2')] });
    expect((await b.person('anonymous', 'a2')).person.deviceIds).not.toEqual(person.deviceIds);
  });

  it('ignores a device cookie it did not make and gives the browser a new one', async () => {
    const b = await browser();
    b.setJar('kith_did=<script>');
    const { setCookie } = await b.send({ batch: [browserEvent('m1', 'a1')], restore: 'a1' });
    expect(setCookie).toMatch(/^kith_did=[0-9a-f-]{36};/);
  });
});

describe('identify, alias and traits', () => {
  it('links anonymous IDs to users, merges traits, and refuses placeholders', async () => {
    const b = await browser();
    const res = await b.send({
      batch: [
        trackEvent('i1', {
          context: granted,
          type: 'identify',
          anonymousId: 'a1',
          userId: 'u1',
          traits: { email: 'kim@example.com', plan: 'free' },
        }),
        trackEvent('i2', {
          context: granted,
          type: 'identify',
          anonymousId: 'a1',
          userId: 'u1',
          traits: { plan: 'pro' },
        }),
        trackEvent('al', { context: granted, type: 'alias', anonymousId: 'a2', previousId: 'a2', userId: 'u1' }),
        trackEvent('bad', { context: granted, type: 'identify', anonymousId: 'a3', userId: 'undefined' }),
      ],
    });
    expect(res.json).toMatchObject({ accepted: 3, rejected: [{ index: 3, reason: 'placeholder_user_id' }] });
    const { person } = await b.person('anonymous', 'a2');
    expect(person).toMatchObject({ userIds: ['u1'], traits: { email: 'kim@example.com', plan: 'pro' } });
    expect([...(person.anonymousIds as string[])].sort()).toEqual(['a1', 'a2']);
  });

  it('records an alias between two known users without merging them', async () => {
    const b = await browser();
    await b.send({
      batch: [
        trackEvent('i1', { context: granted, type: 'identify', anonymousId: 'a1', userId: 'u1' }),
        trackEvent('i2', { context: granted, type: 'identify', anonymousId: 'a2', userId: 'u2' }),
      ],
    });
    await b.send({
      batch: [trackEvent('al', { context: granted, type: 'alias', anonymousId: 'a2', previousId: 'u1', userId: 'u2' })],
    });
    expect((await b.person('user', 'u2')).person).toMatchObject({ userIds: ['u2'], anonymousIds: ['a2'] });
    const exported = (await (await b.admin('/v1/persons/user/u2/export?site=shop')).json()) as {
      links: { how: string; outcome: string }[];
    };
    expect(exported.links).toContainEqual(
      expect.objectContaining({ from: { kind: 'user', id: 'u1' }, how: 'alias', outcome: 'refused' }),
    );
  });
});

describe('cross-domain linker', () => {
  const issue = (
    b: Awaited<ReturnType<typeof browser>>,
    body: Record<string, unknown>,
    origin = 'https://shop.example',
  ) => b.post('/v1/linker', { writeKey: SHOP_KEY, ...body }, { Origin: origin, 'Content-Type': 'text/plain' });
  const redeem = (
    b: Awaited<ReturnType<typeof browser>>,
    body: Record<string, unknown>,
    origin = 'https://shop-b.example',
  ) => b.post('/v1/linker/redeem', { writeKey: SHOP_KEY, ...body }, { Origin: origin, 'Content-Type': 'text/plain' });

  it('issues a two-minute token for a linker domain and links the arrival on the target, once', async () => {
    const b = await browser();
    const issued = await issue(b, { anonymousId: 'a-left', target: 'shop-b.example' });
    const body = (await issued.json()) as { token: string; expiresAt: string };
    expect(body.expiresAt).toBe('2026-06-01T12:02:00.000Z');
    const linked = await redeem(b, { token: body.token, anonymousId: 'a-arrived' });
    expect(await linked.json()).toEqual({ ok: true, linkedTo: 'a-left' });
    expect([...((await b.person('anonymous', 'a-arrived')).person.anonymousIds as string[])].sort()).toEqual([
      'a-arrived',
      'a-left',
    ]);

    const replay = await redeem(b, { token: body.token, anonymousId: 'a-attacker' });
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ ok: false, error: 'linker_replayed' });
    expect(await (await b.admin('/v1/persons/anonymous/a-attacker?site=shop')).json()).toMatchObject({
      ok: false,
      error: 'not_found',
    });
  });

  it('refuses an expired token, a forged one, one for another domain, and a target outside linkerDomains', async () => {
    let now = Date.UTC(2026, 5, 1, 12);
    const b = await browser({ clock: () => new Date(now) });
    const token = (
      (await (await issue(b, { anonymousId: 'a1', target: 'shop-b.example' })).json()) as { token: string }
    ).token;

    expect(await (await redeem(b, { token, anonymousId: 'a2' }, 'https://shop.example')).json()).toMatchObject({
      error: 'linker_wrong_domain',
    });
    const forged = await signLinker(
      { site: 'shop', anonymousId: 'victim', target: 'shop-b.example', expires: now + 60_000, nonce: 'n' },
      'not-the-secret',
    );
    expect(await (await redeem(b, { token: forged, anonymousId: 'a2' })).json()).toMatchObject({
      error: 'linker_forged',
    });
    const tampered = token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect(await (await redeem(b, { token: tampered, anonymousId: 'a2' })).json()).toMatchObject({
      error: 'linker_forged',
    });
    expect(await (await redeem(b, { token: 'garbage', anonymousId: 'a2' })).json()).toMatchObject({
      error: 'linker_invalid',
    });

    now += 2 * 60 * 1000 + 1;
    const expired = await redeem(b, { token, anonymousId: 'a2' });
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({
      ok: false,
      error: 'linker_expired',
      message: expect.stringContaining('two minutes'),
    });
    expect(await (await b.admin('/v1/persons/anonymous/a2?site=shop')).json()).toMatchObject({ error: 'not_found' });

    const outside = await issue(b, { anonymousId: 'a1', target: 'evil.example' });
    expect(outside.status).toBe(400);
    expect(await outside.json()).toMatchObject({ error: 'linker_target_not_allowed' });
  });

  it('refuses unauthenticated and malformed linker requests with JSON errors', async () => {
    const b = await browser();
    expect((await b.post('/v1/linker', { anonymousId: 'a', target: 'shop-b.example' })).status).toBe(401);
    expect((await b.post('/v1/linker', '{oops', b.basic(SHOP_KEY))).status).toBe(400);
    expect(
      await (await b.post('/v1/linker', { writeKey: SHOP_KEY, anonymousId: 42, target: 'shop-b.example' })).json(),
    ).toMatchObject({ error: 'invalid_request' });
    expect(
      (
        await b.post(
          '/v1/linker',
          { writeKey: SHOP_KEY, anonymousId: 'a', target: 'shop-b.example' },
          { Origin: 'https://evil.example' },
        )
      ).status,
    ).toBe(403);
    expect(
      await (await b.post('/v1/linker/redeem', { writeKey: SHOP_KEY, anonymousId: 'a', token: ['x'] })).json(),
    ).toMatchObject({ error: 'linker_invalid' });
  });
});

describe('probabilistic stitching', () => {
  const visit = (b: Awaited<ReturnType<typeof browser>>, anonymousId: string, address: string) => {
    b.wipe();
    return b.send(
      {
        batch: [
          browserEvent(`m-${anonymousId}`, anonymousId, {
            context: { ...granted, userAgent: 'Mozilla/5.0 Firefox/140.0' },
          }),
        ],
      },
      { 'X-Test-Address': address },
    );
  };

  it('when enabled, stores scored candidates for a new browser on the same network, and merges nothing', async () => {
    const b = await browser({ stitching: true, addresses: true });
    await visit(b, 'first', '203.0.113.7');
    await visit(b, 'second', '203.0.113.99');
    await visit(b, 'elsewhere', '198.51.100.1');
    const exported = (await (await b.admin('/v1/persons/anonymous/second/export?site=shop')).json()) as {
      person: { anonymousIds: string[] };
      stitchCandidates: unknown[];
    };
    expect(exported.person.anonymousIds).toEqual(['second']);
    expect(exported.stitchCandidates).toEqual([
      expect.objectContaining({
        anonymousId: 'second',
        candidateId: 'first',
        reasons: 'same network, same user agent, 0 s apart',
        score: 1,
      }),
    ]);
  });

  it('is off by default', async () => {
    const b = await browser({ addresses: true });
    await visit(b, 'first', '203.0.113.7');
    await visit(b, 'second', '203.0.113.99');
    const exported = (await (await b.admin('/v1/persons/anonymous/second/export?site=shop')).json()) as {
      stitchCandidates: unknown[];
    };
    expect(exported.stitchCandidates).toEqual([]);
  });
});

describe('person API', () => {
  it('shows, exports and erases a person across all their IDs, with an erasure receipt', async () => {
    const b = await browser();
    await b.send({
      batch: [
        browserEvent('before-login', 'a1'),
        trackEvent('login', {
          type: 'identify',
          anonymousId: 'a1',
          userId: 'u1',
          traits: { email: 'kim@example.com' },
          context: granted,
        }),
      ],
    });
    const { person } = await b.person('user', 'u1');
    expect(person).toMatchObject({
      site: 'shop',
      userIds: ['u1'],
      anonymousIds: ['a1'],
      traits: { email: 'kim@example.com' },
      eventCount: 2,
      firstSeen: '2026-06-01T11:59:00.000Z',
    });
    expect(person.deviceIds as string[]).toHaveLength(1);

    const exported = (await (await b.admin('/v1/persons/anonymous/a1/export?site=shop')).json()) as Record<
      string,
      unknown[]
    >;
    expect(exported.events?.map((e) => (e as { messageId: string }).messageId).sort()).toEqual([
      'before-login',
      'login',
    ]);
    expect(exported.links).toHaveLength(2);

    const erased = await b.app.request('/v1/persons/user/u1?site=shop', {
      method: 'DELETE',
      headers: { Authorization: 'Bearer test-admin-token' },
    });
    expect(await erased.json()).toMatchObject({ ok: true, receipt: { site: 'shop', erased: { events: 2, ids: 3 } } });
    for (const path of [
      '/v1/persons/user/u1?site=shop',
      '/v1/persons/anonymous/a1?site=shop',
      '/v1/persons/anonymous/a1/export?site=shop',
    ]) {
      expect((await b.admin(path)).status).toBe(404);
    }
    expect(await (await b.admin('/v1/persons/anonymous/a1/events?site=shop')).json()).toMatchObject({ events: [] });
  });

  it('asks which site when the collector has several, and refuses an unknown one', async () => {
    const b = await browser();
    expect(await (await b.admin('/v1/persons/user/u1')).json()).toMatchObject({ ok: false, error: 'site_required' });
    expect((await b.admin('/v1/persons/user/u1?site=nope')).status).toBe(400);
    expect((await b.app.request('/v1/persons/user/u1?site=shop', { method: 'DELETE' })).status).toBe(401);
  });
});
