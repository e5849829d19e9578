import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { eventually, useShopInChromium } from './harness.ts';

// Two of the shop's own domains, both resolved to this machine by Chromium itself.
const HOSTS = ['shop-a.test', 'shop-b.test'];
// A subdomain of the first: the same registrable domain, so the same visitor.
const WWW = 'www.shop-a.test';
const running = useShopInChromium({
  config: {
    sites: [
      {
        id: 'shop',
        writeKey: 'shop-key',
        origins: [...HOSTS, WWW].map((host) => `http://${host}:*`),
        linkerDomains: HOSTS,
      },
    ],
  },
  chromiumArgs: (shopUrl) => {
    const origins = [...HOSTS, WWW].map((host) => `http://${host}:${new URL(shopUrl).port}`);
    return [
      `--host-resolver-rules=${[...HOSTS, WWW].map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`,
      // A shop runs on https, where the page is a secure context (crypto.randomUUID, crypto.subtle);
      // the test hosts are plain http on loopback, so Chromium is told to treat them the same.
      `--unsafely-treat-insecure-origin-as-secure=${origins.join(',')}`,
    ];
  },
});

interface PersonView {
  personId: string;
  userIds: string[];
  anonymousIds: string[];
  deviceIds: string[];
  eventCount: number;
}

const on = (host: string, path = '/') => `http://${host}:${new URL(running.shop.url).port}${path}`;
const cookie = async (context: BrowserContext, name: string) => (await context.cookies()).find((c) => c.name === name);

async function person(kind: 'user' | 'anonymous', id: string): Promise<PersonView | undefined> {
  const res = await running.shop.admin(`/v1/persons/${kind}/${encodeURIComponent(id)}`);
  return res.ok ? ((await res.json()) as { person: PersonView }).person : undefined;
}

/** A new browser profile (a device) on a shop page, with analytics accepted; its anonymous ID once stored. */
async function device(path = '/product/kith-mug', host = HOSTS[0]!) {
  const context = await running.browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(on(host, path));
  await page.getByRole('button', { name: 'Accept all' }).click();
  const anonymousId = await eventually(async () => (await cookie(context, 'kith_aid'))?.value);
  return { context, page, anonymousId };
}

// The shop gives Kith a customer number as the user ID, never the e-mail address: the number each e-mail logged in as.
const customers = new Map<string, string>();
const customer = (email: string) => customers.get(email)!;

async function logIn(page: Page, email: string) {
  await page.goto(new URL('/login', page.url()).href);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Log in' }).click();
  const welcome = await page.getByText(`Welcome back, ${email} (customer `).textContent();
  customers.set(email, welcome!.match(/customer (C\d+)/)![1]!);
}

const anonymousIdsOf = async (email: string, count: number) =>
  eventually(async () => {
    const found = await person('user', customer(email));
    return found && found.anonymousIds.length >= count ? found : undefined;
  });

describe('identity across devices, logins and domains, in Chromium', () => {
  it('joins two devices that log in as the same customer into one person, with both devices’ history from before the login', async () => {
    const phone = await device();
    await phone.page.getByRole('button', { name: 'Add to cart' }).click();
    const laptop = await device('/product/kith-socks');
    await laptop.page.getByRole('button', { name: 'Add to cart' }).click();
    await logIn(phone.page, 'kim@example.com');
    await logIn(laptop.page, 'kim@example.com');

    const kim = await anonymousIdsOf('kim@example.com', 2);
    expect([...kim.anonymousIds].sort()).toEqual([phone.anonymousId, laptop.anonymousId].sort());
    expect(kim.deviceIds).toHaveLength(2);
    const events = await eventually(async () => {
      const stored = await running.shop.eventsOf('user', customer('kim@example.com'));
      return stored.filter((e) => e.event === 'Product Added').length === 2 ? stored : undefined;
    });
    // The carts were filled anonymously, before either login, and still belong to the person.
    const added = events.filter((e) => e.event === 'Product Added');
    expect(added.map((e) => e.properties?.sku).sort()).toEqual(['kith-mug', 'kith-socks']);
    expect(added.every((e) => e.userId === undefined)).toBe(true);
    await Promise.all([phone.context.close(), laptop.context.close()]);
  });

  it('keeps the anonymous ID on the registrable domain, for at most 13 months, shared by its subdomains', async () => {
    const visit = await device('/', WWW);
    const stored = await cookie(visit.context, 'kith_aid');
    expect(stored).toMatchObject({ domain: '.shop-a.test', sameSite: 'Lax', httpOnly: false });
    expect(stored!.expires * 1000 - Date.now()).toBeLessThanOrEqual(395 * 24 * 3600 * 1000);
    await visit.page.goto(on(HOSTS[0]!, '/cart'));
    // The IDs are read a task after the script: ready() says when.
    const user = await visit.page.evaluate(async () => {
      const { kith } = window as unknown as { kith: { ready(): Promise<void>; user(): { anonymousId?: string } } };
      await kith.ready();
      return kith.user();
    });
    expect(user.anonymousId).toBe(visit.anonymousId);
    await visit.context.close();
  });

  it('restores a wiped script cookie from the collector’s HttpOnly device cookie', async () => {
    const visit = await device('/');
    // The collector's cookie comes with the answer to the first batch.
    const deviceCookie = await eventually(() => cookie(visit.context, 'kith_did'));
    expect(deviceCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // What Safari does to script-set cookies after seven days.
    await visit.context.clearCookies({ name: 'kith_aid' });
    await visit.page.goto(on(HOSTS[0]!, '/cart'));
    await eventually(async () =>
      (await cookie(visit.context, 'kith_aid'))?.value === visit.anonymousId ? true : undefined,
    );

    const restored = await eventually(async () => {
      const found = await person('anonymous', visit.anonymousId);
      return found && found.anonymousIds.length === 2 ? found : undefined;
    });
    expect(restored.deviceIds).toEqual([deviceCookie!.value]);
    await visit.context.close();
  });

  it('starts a new person after a logout on a shared device, and never joins two customers on one device', async () => {
    const shared = await device('/');
    await logIn(shared.page, 'ana@example.com');
    await shared.page.getByRole('button', { name: 'Log out' }).click();
    await shared.page.getByText('Logged out.').waitFor();
    const afterLogout = await eventually(async () => {
      const value = (await cookie(shared.context, 'kith_aid'))?.value;
      return value !== shared.anonymousId ? value : undefined;
    });
    expect(await cookie(shared.context, 'kith_uid')).toBeUndefined();
    await logIn(shared.page, 'ben@example.com');
    // No logout in between: a third customer on the same profile.
    await logIn(shared.page, 'cem@example.com');

    const ben = await anonymousIdsOf('ben@example.com', 1);
    const ana = await anonymousIdsOf('ana@example.com', 1);
    expect(ana).toMatchObject({ userIds: [customer('ana@example.com')], anonymousIds: [shared.anonymousId] });
    expect(ben).toMatchObject({ userIds: [customer('ben@example.com')], anonymousIds: [afterLogout] });
    expect(ben.personId).not.toBe(ana.personId);
    expect(ben.deviceIds).not.toEqual(ana.deviceIds);
    const cem = await eventually(() => person('user', customer('cem@example.com')));
    expect(cem).toMatchObject({ userIds: [customer('cem@example.com')], anonymousIds: [] });
    await shared.context.close();
  });

  it('keeps the person across a click to the shop’s other domain, and strips the token from the address', async () => {
    const visit = await device('/', HOSTS[0]);
    const tokenRequest = visit.page.waitForResponse((res) => new URL(res.url()).pathname === '/v1/linker');
    await visit.page.getByRole('link', { name: 'Our sister shop' }).click();
    expect((await tokenRequest).status()).toBe(200);
    await visit.page.waitForURL((url) => url.hostname === HOSTS[1]);
    expect(new URL(visit.page.url()).searchParams.has('_kith')).toBe(false);

    // Another registrable domain: its own consent, and then the arrival is linked.
    const redeemed = visit.page.waitForResponse((res) => new URL(res.url()).pathname === '/v1/linker/redeem');
    await visit.page.getByRole('button', { name: 'Accept all' }).click();
    expect(await (await redeemed).json()).toEqual({ ok: true, linkedTo: visit.anonymousId });
    const arrived = await eventually(
      async () => (await visit.context.cookies(on(HOSTS[1]!))).find((c) => c.name === 'kith_aid')?.value,
    );
    expect(arrived).not.toBe(visit.anonymousId);
    const joined = await eventually(async () => {
      const found = await person('anonymous', arrived);
      return found?.anonymousIds.includes(visit.anonymousId) ? found : undefined;
    });
    expect(joined.anonymousIds).toHaveLength(2);
    await visit.context.close();
  });

  it('refuses a replayed or forged linker token', async () => {
    const visit = await device('/', HOSTS[0]);
    // Catch the decorated address on its way out, as someone reading it over a shoulder or in a log would.
    let decorated = '';
    await visit.page.route(`http://${HOSTS[1]}:*/**`, (route) => {
      decorated ||= route.request().url();
      return route.continue();
    });
    await visit.page.getByRole('link', { name: 'Our sister shop' }).click();
    await visit.page.waitForURL((url) => url.hostname === HOSTS[1]);
    await visit.page.getByRole('button', { name: 'Accept all' }).click();
    await eventually(
      async () => (await person('anonymous', visit.anonymousId))?.anonymousIds.length === 2 || undefined,
    );
    expect(new URL(decorated).searchParams.get('_kith')).toMatch(/\./);

    const answerTo = async (url: string) => {
      const other = await device('/', HOSTS[0]);
      const redeemed = other.page.waitForResponse((res) => new URL(res.url()).pathname === '/v1/linker/redeem');
      await other.page.goto(url);
      await other.page.getByRole('button', { name: 'Accept all' }).click();
      const response: Response = await redeemed;
      const answer = { status: response.status(), body: (await response.json()) as { error?: string } };
      await other.context.close();
      return answer;
    };
    const replayed = await answerTo(decorated);
    expect(replayed).toMatchObject({ status: 409, body: { error: 'linker_replayed' } });
    const forged = await answerTo(
      on(HOSTS[1]!, `/?_kith=${encodeURIComponent('eyJmb3JnZWQiOnRydWV9.' + 'A'.repeat(43))}`),
    );
    expect(forged).toMatchObject({ status: 400, body: { error: 'linker_forged' } });
    // Neither arrival was joined to the visitor whose token it carried.
    expect((await person('anonymous', visit.anonymousId))?.anonymousIds).toHaveLength(2);
    await visit.context.close();
  });

  it('refuses placeholder user IDs from a shop that identifies with an unset variable', async () => {
    const visit = await device('/');
    const answered = visit.page.waitForResponse(
      async (res) =>
        new URL(res.url()).pathname === '/v1/batch' && res.request().postData()?.includes('"identify"') === true,
    );
    await visit.page.evaluate(() =>
      (window as unknown as { kith: { identify(id: string): void; flush(): Promise<void> } }).kith.identify(
        String(undefined),
      ),
    );
    await visit.page.evaluate(() => (window as unknown as { kith: { flush(): Promise<void> } }).kith.flush());
    expect(await (await answered).json()).toMatchObject({
      rejected: [expect.objectContaining({ reason: 'placeholder_user_id' })],
    });
    expect(await person('user', 'undefined')).toBeUndefined();
    await visit.context.close();
  });
});
