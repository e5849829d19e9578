// The cross-domain linker between two of a shop's domains, each a page on a host of its own
// (served by Playwright, with a stand-in collector on the same origin).
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import type { Answer, SiteState } from '../../test/commands.ts';

afterEach(() => commands.siteClose());

const ACCEPT = 'role=button[name="Accept all"]';
const REJECT = 'role=button[name="Reject all"]';
const LINKER = { writeKey: 'wk', linkerDomains: 'shop-b.localhost, shop-c.localhost' };
const calls = ({ requests }: SiteState, path: string) => requests.filter(({ url }) => new URL(url).pathname == path);
const anonymousIdOf = ({ cookies }: SiteState) => cookies.find(({ name }) => name == 'kith_aid')?.value;

/** The shop-a page with a link to `href`; `linker` is how the collector answers POST /v1/linker. */
const shopA = (href = 'http://shop-b.localhost/landing?x=1#top', linker?: Answer) =>
  commands.siteOpen('http://shop-a.localhost/', {
    data: LINKER,
    body: `<p><a href="${href}">Sister shop</a></p>`,
    answers: linker ? { '/v1/linker': linker } : {},
  });

/** The address the tab asked for after the click (the one after the page it started on). */
const followed = async () => {
  await expect.poll(async () => (await commands.siteState()).navigations.length).toBe(2);
  return (await commands.siteState()).navigations[1];
};

describe('a click on a link to another of the shop’s domains', () => {
  it('with analytics consent, fetches a token for the visitor and the link’s host, and follows the link carrying it as _kith', async () => {
    await shopA();
    await commands.siteClick(ACCEPT);
    const anonymousId = anonymousIdOf(await commands.siteState());
    await commands.siteClick('text=Sister shop');

    expect(await followed()).toBe('http://shop-b.localhost/landing?x=1&_kith=token.1');
    expect(calls(await commands.siteState(), '/v1/linker')).toEqual([
      { url: 'http://shop-a.localhost/v1/linker', body: { writeKey: 'wk', anonymousId, target: 'shop-b.localhost' } },
    ]);
    expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['answers with an error', 500],
    ['cannot be reached', 'abort'],
    ['answers without a token', { ok: false, error: 'linker_target_not_allowed', message: 'no' }],
  ] as const)('follows the link undecorated when the collector %s', async (_, answer) => {
    await shopA(undefined, answer);
    await commands.siteClick(ACCEPT);
    await commands.siteClick('text=Sister shop');

    expect(await followed()).toBe('http://shop-b.localhost/landing?x=1');
    expect(calls(await commands.siteState(), '/v1/linker')).toHaveLength(1);
  });

  it('follows the link undecorated after half a second without an answer', async () => {
    await shopA(undefined, 'hang');
    await commands.siteClick(ACCEPT);
    const clicked = performance.now();
    await commands.siteClick('text=Sister shop');

    expect(await followed()).toBe('http://shop-b.localhost/landing?x=1');
    expect(performance.now() - clicked).toBeGreaterThanOrEqual(500);
  });

  it('without analytics consent is left alone: no token asked for, the link followed as it is', async () => {
    await shopA();
    await commands.siteClick(REJECT);
    await commands.siteClick('text=Sister shop');

    expect(await followed()).toBe('http://shop-b.localhost/landing?x=1');
    expect(calls(await commands.siteState(), '/v1/linker')).toEqual([]);
  });

  it('before any choice is left alone too', async () => {
    await shopA();
    await commands.siteClick('text=Sister shop');

    expect(await followed()).toBe('http://shop-b.localhost/landing?x=1');
    expect((await commands.siteState()).requests).toEqual([]);
  });

  it('is left alone with a modifier key held or a target set, and taken otherwise', async () => {
    await commands.siteOpen('http://shop-a.localhost/', {
      data: LINKER,
      body: '<a id="plain" href="http://shop-b.localhost/">B</a> <a id="blank" href="http://shop-b.localhost/" target="_blank">B</a>',
    });
    await commands.siteClick(ACCEPT);
    // A click the page's own last listener looks at, then stops, so the tab stays: did the SDK hold the link back?
    const heldBack = (link: string, init: MouseEventInit = {}) =>
      commands.siteRun(`(() => {
        let held;
        addEventListener('click', (event) => { held = event.defaultPrevented; event.preventDefault(); }, { once: true });
        document.getElementById('${link}').dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, ...${JSON.stringify(init)} }));
        return held;
      })()`);

    for (const modifier of ['ctrlKey', 'metaKey', 'shiftKey', 'altKey'])
      expect(await heldBack('plain', { [modifier]: true })).toBe(false);
    expect(await heldBack('blank')).toBe(false);
    expect(calls(await commands.siteState(), '/v1/linker')).toEqual([]);
    expect(await heldBack('plain')).toBe(true);
  });

  it('is left alone for a host outside the linker domains, and for one on the page’s own registrable domain', async () => {
    await commands.siteOpen('http://shop-a.localhost/', {
      data: { writeKey: 'wk', linkerDomains: 'shop-a.localhost,shop-b.localhost' },
      body: '<a href="http://www.shop-a.localhost/">Own</a> <a href="http://elsewhere.localhost/">Other</a>',
    });
    await commands.siteClick(ACCEPT);
    await commands.siteClick('text=Own');
    expect(await followed()).toBe('http://www.shop-a.localhost/');
    expect(calls(await commands.siteState(), '/v1/linker')).toEqual([]);
  });
});

describe('arriving with a token', () => {
  const arrive = (search = '?x=1&_kith=tok%2B1&y=2') =>
    commands.siteOpen(`http://shop-b.localhost/landing${search}#top`, {
      data: { writeKey: 'wk', linkerDomains: 'shop-a.localhost' },
    });

  it('takes _kith out of the address bar at once, before any choice, keeping the rest, and writes and sends nothing', async () => {
    const state = await arrive();

    expect(state.url).toBe('http://shop-b.localhost/landing?x=1&y=2#top');
    expect(state.requests).toEqual([]);
    expect(state.cookies).toEqual([]);
    // The new tab's blank page, then this one: replaced in place, no entry added for Back to return to the token.
    expect(await commands.siteRun('history.length')).toBe(2);
  });

  it.each([
    ['?_kith=tok%2B1', 'http://shop-b.localhost/landing#top'],
    ['?_kith=tok%2B1&y=2', 'http://shop-b.localhost/landing?y=2#top'],
    ['?x=1&_kith=tok%2B1', 'http://shop-b.localhost/landing?x=1#top'],
  ])('strips it from %s', async (search, url) => {
    expect((await arrive(search)).url).toBe(url);
  });

  it('redeems the token once analytics is granted in the banner, for this domain’s anonymous ID', async () => {
    await arrive();
    await commands.siteClick(ACCEPT);

    await expect.poll(async () => calls(await commands.siteState(), '/v1/linker/redeem')).toHaveLength(1);
    const state = await commands.siteState();
    expect(calls(state, '/v1/linker/redeem')).toEqual([
      {
        url: 'http://shop-b.localhost/v1/linker/redeem',
        body: { writeKey: 'wk', token: 'tok+1', anonymousId: anonymousIdOf(state) },
      },
    ]);
  });

  it('drops the token when analytics is refused', async () => {
    await arrive();
    await commands.siteClick(REJECT);
    await commands.siteRun('kith.consent.choose({ analytics: true })');
    await commands.siteRun('kith.flush()');

    const state = await commands.siteState();
    expect(calls(state, '/v1/batch')).toHaveLength(2);
    expect(calls(state, '/v1/linker/redeem')).toEqual([]);
  });

  it('redeems at once for a visitor who granted analytics on an earlier page', async () => {
    await commands.siteOpen('http://shop-b.localhost/', { data: { writeKey: 'wk' } });
    await commands.siteClick(ACCEPT);
    await commands.siteRun('setTimeout(() => (location.href = "/landing?_kith=tok.2"))');

    await expect.poll(async () => calls(await commands.siteState(), '/v1/linker/redeem')).toHaveLength(1);
    const state = await commands.siteState();
    expect(calls(state, '/v1/linker/redeem')[0]?.body).toEqual({
      writeKey: 'wk',
      token: 'tok.2',
      anonymousId: anonymousIdOf(state),
    });
    expect(state.url).toBe('http://shop-b.localhost/landing');
  });
});
