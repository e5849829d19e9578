import axe from 'axe-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands, page, userEvent } from 'vitest/browser';
import type { ConsentCategories } from '../contract.ts';
import { createKith } from '../index.ts';
import { banner, focused, nextFrame, recordRequests, resetPage, shownBanner, storeChoice } from '../../test/support.ts';
import { openBanner, type BannerOptions } from './banner.ts';

afterEach(resetPage);

const VIDEO = { video: { label: 'Videos', description: 'Embedded videos.' } };
const LINKS = { privacyUrl: '/privacy', imprintUrl: '/imprint' };

/** Opens the banner with the site category `video`, links, and spies for what it reports. */
async function open(options: Partial<BannerOptions> & { current?: ConsentCategories | null } = {}) {
  const onChoice = vi.fn();
  const close = openBanner({ gpc: false, categories: VIDEO, ...LINKS, current: null, onChoice, ...options });
  // It shows itself after the next frame and takes focus after the one after.
  await nextFrame();
  await nextFrame();
  return { onChoice, close, ...banner() };
}
/** What `onChoice` got, with the proof resolved. */
const choices = (onChoice: ReturnType<typeof vi.fn>) =>
  Promise.all(onChoice.mock.calls.map(async ([categories, method, proof]) => [categories, method, await proof]));

const text = (element: Element | null | undefined) => element?.textContent;
const visible = (element: Element) => element.checkVisibility();
/** What has focus, as a keyboard user would name it. */
const focusName = () => {
  const element = focused();
  if (element instanceof HTMLInputElement) return element.name;
  return element?.classList.contains('s') ? '(text)' : text(element);
};

describe('first layer', () => {
  it('is a modal dialog labelled by its heading and described by its text, with focus moved into it', async () => {
    const { root, dialog } = await open();

    expect(dialog?.getAttribute('aria-modal')).toBe('true');
    expect(text(root?.getElementById(dialog!.getAttribute('aria-labelledby')!))).toBe('Privacy settings');
    expect(root?.getElementById(dialog!.getAttribute('aria-labelledby')!)?.tagName).toBe('H2');
    expect(text(root?.getElementById(dialog!.getAttribute('aria-describedby')!))).toMatch(
      /^We would like to use cookies/,
    );
    expect(focused()).toBe(dialog);
  });

  it('offers "Accept all", "Reject all" and "Settings" alike in size, weight and colour, and nothing else', async () => {
    const { root, accept, reject, settings } = await open();

    expect([...root!.querySelectorAll('button')].filter(visible).map(text)).toEqual([
      'Accept all',
      'Reject all',
      'Settings',
    ]);
    const looks = (button: Element) => {
      const { font, color, backgroundColor, border, padding } = getComputedStyle(button);
      const { width, height } = button.getBoundingClientRect();
      return { font, color, backgroundColor, border, padding, width, height };
    };
    expect(looks(reject!)).toEqual(looks(accept!));
    expect(looks(settings!)).toEqual(looks(accept!));
    expect(root?.querySelector('ul')?.checkVisibility()).toBe(false);
  });

  it('links the privacy policy and the imprint, usable while it is open', async () => {
    const { root } = await open();
    const links = [...root!.querySelectorAll('a')];

    expect(links.map((link) => [text(link), link.getAttribute('href')])).toEqual([
      ['Privacy policy', '/privacy'],
      ['Imprint', '/imprint'],
    ]);
    const followed = vi.fn((event: Event) => event.preventDefault());
    links[0]!.addEventListener('click', followed);
    await userEvent.click(links[0]!);
    expect(followed).toHaveBeenCalledOnce();
  });

  it('shows no link the site did not configure', async () => {
    const { root } = await open({ privacyUrl: undefined, imprintUrl: undefined });
    expect(root?.querySelectorAll('a')).toHaveLength(0);
  });

  it.each([
    ['accept', { analytics: true, marketing: true, video: true }, 'accept-all'],
    ['reject', { analytics: false, marketing: false, video: false }, 'reject-all'],
  ] as const)('reports %s for every optional category', async (button, categories, method) => {
    const { onChoice, ...shown } = await open();
    await userEvent.click(shown[button]!);

    expect(await choices(onChoice)).toEqual([
      [
        categories,
        method,
        {
          bannerText: expect.objectContaining({ videoLabel: 'Videos' }),
          bannerTextHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      ],
    ]);
  });

  it('reports "Accept all" under Global Privacy Control as gpc, with marketing off', async () => {
    const { onChoice, accept } = await open({ gpc: true });
    await userEvent.click(accept!);

    expect(await choices(onChoice)).toEqual([
      [
        { analytics: true, marketing: false, video: true },
        'gpc',
        { bannerText: expect.objectContaining({ gpc: expect.any(String) }), bannerTextHash: expect.any(String) },
      ],
    ]);
  });

  it('reports taking back a grant without granting anything new as a withdrawal, whichever button did it', async () => {
    const { onChoice, reject } = await open({
      current: { necessary: true, analytics: true, marketing: false, video: false },
    });
    await userEvent.click(reject!);

    expect((await choices(onChoice)).map(([, method]) => method)).toEqual(['withdraw']);
  });

  it('stays open on Escape until a first choice is made', async () => {
    const { onChoice } = await open();
    await userEvent.keyboard('{Escape}');

    expect(banner().dialog?.isConnected).toBe(true);
    expect(onChoice).not.toHaveBeenCalled();
  });

  it('shows itself a frame after it was opened, and not at all when closed before', async () => {
    const close = openBanner({ gpc: false, current: null, onChoice: vi.fn() });
    expect(banner().host).toBeNull();
    close();
    await nextFrame();
    expect(banner().host).toBeNull();

    const { host } = await open();
    expect(host?.isConnected).toBe(true);
  });

  it('shows itself at once when the page has rendered a frame since it was asked for (its module came later)', async () => {
    const close = openBanner({ gpc: false, current: null, onChoice: vi.fn(), framed: true });
    expect(banner().host?.isConnected).toBe(true);
    close();
    expect(banner().host).toBeNull();
  });

  it('gives focus back to where it was when closed', async () => {
    const before = document.body.appendChild(document.createElement('button'));
    before.focus();
    const { close } = await open();
    expect(focused()).not.toBe(before);
    close();

    expect(banner().host).toBeNull();
    expect(document.activeElement).toBe(before);
    before.remove();
  });
});

describe('settings layer', () => {
  it('has one labelled, described switch per category: necessary on and fixed, nothing else ticked', async () => {
    const { root, settings, switches } = await open();
    await userEvent.click(settings!);

    const shown = Object.values(switches).map((input) => ({
      name: input.name,
      role: input.getAttribute('role'),
      type: input.type,
      label: input.labels?.[0]?.textContent,
      description: text(root?.getElementById(input.getAttribute('aria-describedby')!)),
      checked: input.checked,
      disabled: input.disabled,
    }));
    expect(shown).toEqual([
      {
        name: 'necessary',
        role: 'switch',
        type: 'checkbox',
        label: 'Necessary',
        description: 'Remembers your choice. Always on.',
        checked: true,
        disabled: true,
      },
      {
        name: 'analytics',
        role: 'switch',
        type: 'checkbox',
        label: 'Analytics',
        description: expect.any(String),
        checked: false,
        disabled: false,
      },
      {
        name: 'marketing',
        role: 'switch',
        type: 'checkbox',
        label: 'Marketing',
        description: expect.any(String),
        checked: false,
        disabled: false,
      },
      {
        name: 'video',
        role: 'switch',
        type: 'checkbox',
        label: 'Videos',
        description: 'Embedded videos.',
        checked: false,
        disabled: false,
      },
    ]);
    expect([...root!.querySelectorAll('button')].filter(visible).map(text)).toEqual([
      'Accept all',
      'Reject all',
      'Save choices',
    ]);
    expect(focused()).toBe(switches.analytics);
  });

  it('reports the switches as set on "Save choices"', async () => {
    const { onChoice, settings, save, switches } = await open();
    await userEvent.click(settings!);
    await userEvent.click(switches.video!);
    await userEvent.click(save!);

    expect((await choices(onChoice)).map(([categories, method]) => [categories, method])).toEqual([
      [{ necessary: true, analytics: false, marketing: false, video: true }, 'custom'],
    ]);
  });

  it('goes back to the first layer on Escape, focus on "Settings"', async () => {
    const { settings, switches } = await open();
    await userEvent.click(settings!);
    await userEvent.keyboard('{Escape}');

    expect(switches.analytics?.checkVisibility()).toBe(false);
    expect(focused()).toBe(settings);
  });

  it('opens on the current choice when reopened, and Escape then closes it keeping that choice', async () => {
    const onDismiss = vi.fn();
    const { onChoice, switches } = await open({
      current: { necessary: true, analytics: true, marketing: false, video: true },
      onDismiss,
    });

    expect(Object.values(switches).map(({ name, checked }) => [name, checked, visible(switches[name]!)])).toEqual([
      ['necessary', true, true],
      ['analytics', true, true],
      ['marketing', false, true],
      ['video', true, true],
    ]);
    await userEvent.keyboard('{Escape}');
    await userEvent.keyboard('{Escape}');
    expect(onDismiss).toHaveBeenCalledOnce();
    expect(onChoice).not.toHaveBeenCalled();
  });
});

describe('theming and CSP', () => {
  it('is styled by one constructed sheet: no <style> element and no style attribute in the shadow root', async () => {
    const { root } = await open();

    expect(root?.adoptedStyleSheets).toHaveLength(1);
    expect(root?.querySelector('style,[style]')).toBeNull();
  });

  it('takes its colours, radius and font from --kith-* properties set by the page or by the theme option', async () => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('kith-consent{--kith-accent:rgb(0, 102, 51);--kith-radius:0px;--kith-font:serif}');
    document.adoptedStyleSheets = [sheet];
    try {
      const { accept, dialog } = await open({ theme: { fg: 'rgb(10, 20, 30)', bg: 'rgb(250, 250, 240)' } });
      const button = getComputedStyle(accept!);
      const box = getComputedStyle(dialog!);

      expect([button.backgroundColor, button.borderRadius, box.fontFamily]).toEqual([
        'rgb(0, 102, 51)',
        '0px',
        'serif',
      ]);
      expect([box.color, box.backgroundColor]).toEqual(['rgb(10, 20, 30)', 'rgb(250, 250, 240)']);
    } finally {
      document.adoptedStyleSheets = [];
    }
  });

  it('runs under script-src and style-src self with Trusted Types enforced', async () => {
    const { refused, buttonColour, sentTypes, trustedTypesEnforced } = await commands.strictCspPage();

    expect(trustedTypesEnforced).toBe(true);
    expect(refused).toEqual([]);
    expect(buttonColour).toBe('rgb(29, 78, 216)');
    expect(sentTypes).toEqual(['consent']);
  });

  it('would report a CSP violation if there were one: the page check above is not blind', async () => {
    const { refused } = await commands.strictCspPage('<p style="color:red">inline</p>');
    expect(refused).toEqual([expect.stringContaining("style-src 'self'")]);
  });
});

describe('accessibility', () => {
  const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
  const violations = async (context: Element) => {
    const { violations } = await axe.run(context, { runOnly: WCAG });
    return violations.map(({ id, nodes }) => `${id}: ${nodes.map((node) => node.target.join(' ')).join(', ')}`);
  };

  it('has no axe violations (WCAG 2.2 AA and best practice) on either layer', async () => {
    const { host, settings } = await open();
    expect(await violations(host!)).toEqual([]);
    await userEvent.click(settings!);
    expect(await violations(host!)).toEqual([]);
  });

  it('has no axe violations on a German page with the GPC note', async () => {
    document.documentElement.lang = 'de';
    const { host, settings } = await open({ gpc: true, categories: {} });
    expect(await violations(host!)).toEqual([]);
    await userEvent.click(settings!);
    expect(await violations(host!)).toEqual([]);
  });

  it('has no axe violations when the text must scroll: German, with the GPC note, on a 320×480 screen', async () => {
    await page.viewport(320, 480);
    try {
      document.documentElement.lang = 'de';
      const { root, host } = await open({ gpc: true, categories: {} });
      const scroller = root!.querySelector('.s')!;
      expect(scroller.scrollHeight).toBeGreaterThan(scroller.clientHeight);
      expect(await violations(host!)).toEqual([]);
    } finally {
      await page.viewport(414, 896);
    }
  });

  it('can be used by keyboard alone: open the settings, switch analytics on, save, and focus goes back', async () => {
    storeChoice('v=1&a=0&m=0');
    recordRequests();
    const footerLink = document.body.appendChild(
      Object.assign(document.createElement('button'), { textContent: 'Cookie settings' }),
    );
    const kith = createKith({ writeKey: 'wk', consent: LINKS });
    footerLink.onclick = () => kith.consent.open();
    footerLink.focus();
    await userEvent.keyboard('{Enter}');
    const { dialog, settings, switches } = await shownBanner();
    expect(focused()).toBe(dialog);

    // Reopened on the switches; back to the first layer, then in again the way a first visitor goes.
    await userEvent.keyboard('{Escape}');
    expect(focused()).toBe(settings);
    await userEvent.keyboard('{Enter}');
    expect(focused()).toBe(switches.analytics);
    await userEvent.keyboard(' ');
    expect(switches.analytics?.checked).toBe(true);
    // Shift+Tab past the text wraps to the last control; Tab from there comes back around.
    await userEvent.keyboard('{Shift>}{Tab}{Tab}{/Shift}');
    expect(focusName()).toBe('Imprint');
    for (const expected of ['(text)', 'analytics', 'marketing', 'Accept all', 'Reject all', 'Save choices']) {
      await userEvent.keyboard('{Tab}');
      expect(focusName()).toBe(expected);
    }
    await userEvent.keyboard('{Enter}');

    expect(banner().root).toBeUndefined();
    expect(kith.consent.get()?.categories).toEqual({ necessary: true, analytics: true, marketing: false });
    expect(document.activeElement).toBe(footerLink);
    footerLink.remove();
  });

  it('keeps keyboard focus inside: Tab and Shift+Tab wrap around the controls shown', async () => {
    const { root, dialog, settings } = await open();
    const order = async (key: string, times: number) => {
      const names = [];
      for (let i = 0; i < times; i++) {
        await userEvent.keyboard(key);
        names.push(focusName());
      }
      return names;
    };
    expect(focused()).toBe(dialog);
    expect(await order('{Tab}', 7)).toEqual([
      '(text)',
      'Accept all',
      'Reject all',
      'Settings',
      'Privacy policy',
      'Imprint',
      '(text)',
    ]);
    expect(await order('{Shift>}{Tab}{/Shift}', 2)).toEqual(['Imprint', 'Privacy policy']);

    settings!.focus();
    await userEvent.keyboard('{Enter}');
    expect(await order('{Tab}', 8)).toEqual([
      'marketing',
      'video',
      'Accept all',
      'Reject all',
      'Save choices',
      'Privacy policy',
      'Imprint',
      '(text)',
    ]);
    expect(await order('{Tab}', 1)).toEqual(['analytics']);
    expect(root?.contains(focused())).toBe(true);
  });
});

describe('small screens and zoom', () => {
  afterEach(async () => {
    await commands.zoom(1);
    await page.viewport(414, 896);
  });

  /** Each layer fits the width and shows every button whole; a screenshot of each for a human look. */
  async function checkLayers(name: string) {
    const { settings } = await open();
    const fits = () => {
      const { root } = banner();
      const buttons = [...root!.querySelectorAll('button')].filter(visible);
      return {
        horizontalScroll: document.documentElement.scrollWidth > innerWidth,
        buttonsOutOfView: buttons.filter((button) => {
          const { top, left, bottom, right } = button.getBoundingClientRect();
          return top < 0 || left < 0 || bottom > innerHeight || right > innerWidth;
        }).length,
        buttons: buttons.length,
      };
    };
    const expected = { horizontalScroll: false, buttonsOutOfView: 0, buttons: 3 };
    expect(fits()).toEqual(expected);
    await commands.screenshot(`banner-${name}.png`);
    await userEvent.click(settings!);
    expect(fits()).toEqual(expected);
    await commands.screenshot(`banner-${name}-settings.png`);
  }

  it('fits a 320 px wide screen with every button in view', async () => {
    await page.viewport(320, 568);
    await checkLayers('320px');
  });

  it('fits a 1280×720 window at 200% zoom with every button in view', async () => {
    // Zoom lays the page out in half the CSS pixels, two device pixels each.
    await page.viewport(640, 360);
    await commands.zoom(2);
    expect(devicePixelRatio).toBe(2);
    await checkLayers('200-percent');
  });

  it('keeps every category reachable by scrolling inside the banner when they do not fit', async () => {
    await page.viewport(640, 360);
    const { root, settings, switches } = await open();
    await userEvent.click(settings!);
    const scroller = root!.querySelector('.s')!;

    expect(scroller.scrollHeight).toBeGreaterThan(scroller.clientHeight);
    switches.video!.focus();
    const { bottom } = switches.video!.getBoundingClientRect();
    expect(bottom).toBeLessThanOrEqual(scroller.getBoundingClientRect().bottom);
  });
});
