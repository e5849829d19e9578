// The cookies' domain, seen from pages on hosts of their own (Playwright serves them; Chromium keeps
// every `*.localhost` host on this machine and treats `localhost` itself like a public suffix).
import { afterEach, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import type { SiteState } from '../test/commands.ts';

afterEach(() => commands.siteClose());

const ACCEPT = 'role=button[name="Accept all"]';
const DAYS = 86400;
const where = ({ cookies }: SiteState) => cookies.map(({ name, domain }) => `${name} @ ${domain}`).sort();
const valueOf = ({ cookies }: SiteState, name: string) => cookies.find((cookie) => cookie.name == name)?.value;

it('keeps the IDs and the choice on the registrable domain, found from the top down, and leaves no probe behind', async () => {
  const before = await commands.siteOpen('http://a.shop.localhost/', { data: { writeKey: 'wk' } });
  expect(before.cookies).toEqual([]);
  await commands.siteClick(ACCEPT);
  await commands.siteRun('kith.identify("user-1")');

  const after = await commands.siteState();
  expect(where(after)).toEqual([
    'kith_aid @ .shop.localhost',
    'kith_consent @ .shop.localhost',
    'kith_uid @ .shop.localhost',
  ]);
  for (const { name, path, sameSite, secure, expires } of after.cookies) {
    expect({ name, path, sameSite, secure }).toEqual({ name, path: '/', sameSite: 'Lax', secure: false });
    if (name != 'kith_consent') expect(expires - Date.now() / 1000).toBeCloseTo(395 * DAYS, -1);
  }
});

it('is read back on another subdomain of the same site, one visitor for both', async () => {
  await commands.siteOpen('http://a.shop.localhost/', { data: { writeKey: 'wk' } });
  await commands.siteClick(ACCEPT);
  const anonymousId = valueOf(await commands.siteState(), 'kith_aid');
  await commands.siteRun('setTimeout(() => (location.href = "http://b.shop.localhost/"))');

  await expect
    .poll(() => commands.siteRun('location.host == "b.shop.localhost" && window.kith?.user().anonymousId'))
    .toBe(anonymousId);
  expect(await commands.siteRun('!!document.querySelector("kith-consent")')).toBe(false);
});

it('goes on the domain data-cookie-domain names instead', async () => {
  await commands.siteOpen('http://a.shop.localhost/', { data: { writeKey: 'wk', cookieDomain: 'a.shop.localhost' } });
  await commands.siteClick(ACCEPT);

  expect(where(await commands.siteState())).toEqual([
    'kith_aid @ .a.shop.localhost',
    'kith_consent @ .a.shop.localhost',
  ]);
});

it('stays on the host for an IP address', async () => {
  await commands.siteOpen('http://127.0.0.1/', { data: { writeKey: 'wk' } });
  await commands.siteClick(ACCEPT);

  expect(where(await commands.siteState())).toEqual(['kith_aid @ 127.0.0.1', 'kith_consent @ 127.0.0.1']);
});

it('deletes the IDs on a withdrawal where they were written, and a host-only leftover of an older version too', async () => {
  await commands.siteOpen('http://a.shop.localhost/', { data: { writeKey: 'wk' } });
  await commands.siteClick(ACCEPT);
  await commands.siteRun('kith.identify("user-1")');
  await commands.siteRun('document.cookie = "kith_aid=old-id;path=/"; document.cookie = "kith_uid=old-user;path=/"');
  expect(where(await commands.siteState())).toHaveLength(5);
  await commands.siteRun('kith.consent.choose({ analytics: false })');

  expect(where(await commands.siteState())).toEqual(['kith_consent @ .shop.localhost']);
});

it('moves an ID kept host-only by an older version onto the registrable domain', async () => {
  await commands.siteOpen('http://a.shop.localhost/', { data: { writeKey: 'wk' } });
  await commands.siteRun(
    `document.cookie = "kith_aid=old-id;path=/"; document.cookie = "kith_consent=v=1&a=1&m=0&t=${Math.floor(Date.now() / 1000)};path=/"`,
  );
  await commands.siteRun('setTimeout(() => location.reload())');

  await expect
    .poll(async () => where(await commands.siteState()))
    .toEqual(['kith_aid @ .shop.localhost', 'kith_consent @ a.shop.localhost']);
  expect(valueOf(await commands.siteState(), 'kith_aid')).toBe('old-id');
});

it('on reset, replaces the anonymous ID on its domain and deletes the user ID', async () => {
  await commands.siteOpen('http://a.shop.localhost/', { data: { writeKey: 'wk' } });
  await commands.siteClick(ACCEPT);
  await commands.siteRun('kith.identify("user-1")');
  const before = valueOf(await commands.siteState(), 'kith_aid');
  await commands.siteRun('kith.reset()');

  const after = await commands.siteState();
  expect(where(after)).toEqual(['kith_aid @ .shop.localhost', 'kith_consent @ .shop.localhost']);
  expect(valueOf(after, 'kith_aid')).not.toBe(before);
  expect(await commands.siteRun('kith.user()')).toEqual({ anonymousId: valueOf(after, 'kith_aid') });
});
