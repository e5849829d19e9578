// The browser commands of the SDK's tests: they run in Node, in Playwright, next to the page the
// tests run in, for what a page cannot do to itself (open other tabs, read HttpOnly cookies, zoom).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { CDPSession, Page } from 'playwright';
import type { BrowserCommand } from 'vitest/node';
import { buildScripts } from '../build.ts';

/** What the collector answers on a site page: a JSON body, an HTTP status, a network error, or nothing ever. */
export type Answer = object | number | 'abort' | 'hang';

export interface SiteOptions {
  /** The script tag's data-* attributes, by dataset name: `{ writeKey: 'wk' }`. */
  data?: Record<string, string>;
  /** HTML after the script tag. */
  body?: string;
  /** By collector path (`/v1/batch`, `/v1/linker`, `/v1/linker/redeem`); each answers 200 with a plausible body by default. */
  answers?: Record<string, Answer>;
  /** Cookies the browser holds for the site before the page opens, by name: a returning visitor's. */
  cookies?: Record<string, string>;
}

export type Cookie = {
  name: string;
  value: string;
  domain: string;
  path: string;
  expires: number;
  sameSite: string;
  secure: boolean;
};

export interface SiteState {
  url: string;
  /** Every call to the collector, in order, with its JSON body. */
  requests: { url: string; body: unknown }[];
  /** Every page the tab asked for, at the exact address (a token stripped on arrival still shows here). */
  navigations: string[];
  /** The Kith scripts the tab loaded, by path, in order: `/kith.js`, `/kith-banner.js`. */
  scripts: string[];
  /** The cookies of every site host (not those of the test page's `localhost`). */
  cookies: Cookie[];
}

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** Opens `url` (a host under `.localhost`) in a tab of its own, with the built script tag and a stand-in collector. */
    siteOpen(url: string, options?: SiteOptions): Promise<SiteState>;
    siteState(): Promise<SiteState>;
    /** A Playwright selector in the site tab, e.g. `role=button[name="Accept all"]`. */
    siteClick(selector: string): Promise<void>;
    siteRun(expression: string): Promise<unknown>;
    siteClose(): Promise<void>;
    /** Serves the built kith.js and kith-banner.js at /kith.js and /kith-banner.js on every host. */
    serveScripts(): Promise<void>;
    cookies(): Promise<Cookie[]>;
    zoom(factor: number): Promise<void>;
    screenshot(name: string): Promise<string>;
    strictCspPage(
      extraHtml?: string,
    ): Promise<{ refused: string[]; buttonColour: string; sentTypes: string[]; trustedTypesEnforced: boolean }>;
  }
}

/** The files a collector serves for the script tag, by path, as build.ts makes them, so their tests run what ships. */
async function scriptFiles(root: string): Promise<Record<string, string>> {
  const { script, banner } = await buildScripts(root);
  return { '/kith.js': script, '/kith-banner.js': banner };
}

/**
 * Serves kith.js and kith-banner.js as built at those paths on any host the test page asks (the
 * banner module to any origin, as the collector does), once per test file.
 */
const serveScripts: BrowserCommand<[]> = async ({ page, project }) => {
  const scripts = await scriptFiles(project.config.root);
  await page.context().unroute(isScript);
  await page.context().route(isScript, (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      headers: { 'access-control-allow-origin': '*' },
      body: scripts[new URL(route.request().url()).pathname]!,
    }),
  );
};
const isScript = (address: URL) => address.pathname == '/kith.js' || address.pathname == '/kith-banner.js';

const cookies: BrowserCommand<[]> = ({ context }) => context.cookies();

let zoomSession: CDPSession | undefined;

/**
 * Browser zoom as Chromium does it: with the page's viewport already divided by `factor`
 * (`page.viewport()`), each CSS pixel becomes `factor` device pixels. `zoom(1)` undoes it.
 */
const zoom: BrowserCommand<[factor: number]> = async ({ page }, factor) => {
  // An override lasts as long as the CDP session that set it.
  await zoomSession?.detach();
  zoomSession = undefined;
  if (factor == 1) return;
  zoomSession = await page.context().newCDPSession(page);
  const { width, height } = page.viewportSize()!;
  await zoomSession.send('Emulation.setDeviceMetricsOverride', {
    width,
    height,
    deviceScaleFactor: factor,
    mobile: false,
  });
};

/** The page as the screen shows it, in device pixels (Playwright's counts CSS pixels), saved under test-results/. */
const screenshot: BrowserCommand<[name: string]> = async ({ page, project }, name) => {
  const session = zoomSession ?? (await page.context().newCDPSession(page));
  const { data } = await session.send('Page.captureScreenshot', { format: 'png' });
  if (session != zoomSession) await session.detach();
  const path = resolve(project.config.root, 'test-results', name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, Buffer.from(data, 'base64'));
  return path;
};

// Its own host, so its cookies stay apart from those of the tests' page on localhost.
const CSP_HOST = 'kith.localhost';
const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'";

/**
 * Serves the bundle on a page of its own under a strict Content-Security-Policy with Trusted
 * Types enforced, clicks "Accept all", and reports what the browser refused on the way.
 * `extraHtml` lets a test prove the report catches a violation.
 */
const strictCspPage: BrowserCommand<[extraHtml?: string]> = async ({ context, project }, extraHtml = '') => {
  const scripts = await scriptFiles(project.config.root);
  const origin = `http://${CSP_HOST}`;
  const page = await context.newPage();
  const refused: string[] = [];
  page.on('console', (message) => {
    if (message.type() == 'error') refused.push(message.text());
  });
  page.on('pageerror', (error) => refused.push(error.message));
  await page.route(`${origin}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (scripts[pathname]) return route.fulfill({ contentType: 'text/javascript', body: scripts[pathname] });
    if (pathname == '/v1/batch') return route.fulfill({ json: { ok: true, accepted: 1, rejected: [] } });
    return route.fulfill({
      contentType: 'text/html',
      headers: { 'content-security-policy': STRICT_CSP },
      body: `<!doctype html><html lang="en"><title>CSP</title>
        <script src="/kith.js" data-write-key="wk" data-privacy-url="/privacy" data-imprint-url="/imprint" defer></script>
        ${extraHtml}<p>Shop</p>`,
    });
  });
  try {
    await page.goto(`${origin}/`);
    const accept = page.getByRole('button', { name: 'Accept all' });
    const buttonColour = await accept.evaluate((button) => getComputedStyle(button).backgroundColor);
    const sent = page.waitForRequest(`${origin}/v1/batch`);
    await accept.click();
    const batch = (await sent).postDataJSON() as { batch: { type: string }[] };
    const report = { refused: [...refused], buttonColour, sentTypes: batch.batch.map(({ type }) => type) };
    // Proves the policy is in force: a Trusted Types sink refuses a plain string.
    const trustedTypesEnforced = await page.evaluate(() => {
      try {
        document.body.innerHTML = '<b>x</b>';
        return false;
      } catch {
        return true;
      }
    });
    return { ...report, trustedTypesEnforced };
  } finally {
    await page.close();
    // The SDK's cookies go on the registrable domain: `.kith.localhost`.
    await context.clearCookies({ domain: /^\.?kith\.localhost$/ });
  }
};

const DEFAULT_ANSWERS: Record<string, Answer> = {
  '/v1/batch': { ok: true, accepted: 1, rejected: [] },
  '/v1/linker': { ok: true, token: 'token.1', expiresAt: '2030-01-01T00:00:00.000Z' },
  '/v1/linker/redeem': { ok: true, linkedTo: 'other-anonymous-id' },
};

let site: { page: Page; state: Omit<SiteState, 'url' | 'cookies'> } | undefined;
const isSiteHost = (hostname: string) =>
  (hostname.endsWith('.localhost') && hostname != CSP_HOST) || hostname == '127.0.0.1';

const siteState: BrowserCommand<[]> = async ({ context }): Promise<SiteState> => ({
  url: site?.page.url() ?? '',
  requests: [...(site?.state.requests ?? [])],
  navigations: [...(site?.state.navigations ?? [])],
  scripts: [...(site?.state.scripts ?? [])],
  cookies: (await context.cookies()).filter(({ domain }) => isSiteHost(domain.replace(/^\./, ''))),
});

const siteClose: BrowserCommand<[]> = async ({ context }) => {
  await site?.page.close();
  site = undefined;
  await context.clearCookies({ domain: /\.localhost$|^127\.0\.0\.1$/ });
};

/**
 * Opens `url` (any host under `.localhost`, which Chromium keeps to this machine) in a tab of its
 * own, served by Playwright: a page with the built script tag, and a stand-in collector on the
 * same origin that records what it is sent. One site tab at a time; siteClose() ends it.
 */
const siteOpen: BrowserCommand<[url: string, options?: SiteOptions]> = async (
  command,
  url,
  { data = {}, body = '', answers = {}, cookies = {} } = {},
) => {
  await siteClose(command);
  const scripts = await scriptFiles(command.project.config.root);
  const page = await command.context.newPage();
  const state: NonNullable<typeof site>['state'] = { requests: [], navigations: [], scripts: [] };
  await command.context.addCookies(Object.entries(cookies).map(([name, value]) => ({ name, value, url })));
  site = { page, state };
  const attributes = Object.entries(data)
    .map(
      ([name, value]) =>
        ` data-${name.replace(/[A-Z]/g, (letter) => '-' + letter.toLowerCase())}="${value.replaceAll('"', '&quot;')}"`,
    )
    .join('');
  await page.route(
    (address) => isSiteHost(address.hostname),
    (route) => {
      const request = route.request();
      const { pathname } = new URL(request.url());
      const answer = { ...DEFAULT_ANSWERS, ...answers }[pathname];
      if (answer) {
        state.requests.push({ url: request.url(), body: request.postDataJSON() });
        if (answer == 'hang') return;
        if (answer == 'abort') return route.abort();
        return typeof answer == 'number'
          ? route.fulfill({ status: answer, json: { ok: false, error: 'test', message: 'test' } })
          : route.fulfill({ json: answer });
      }
      if (scripts[pathname]) {
        state.scripts.push(pathname);
        return route.fulfill({ contentType: 'text/javascript', body: scripts[pathname] });
      }
      state.navigations.push(request.url());
      return route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><meta charset="utf-8"><title>Site</title><script src="/kith.js"${attributes}></script>${body}`,
      });
    },
  );
  await page.goto(url);
  return siteState(command);
};

/** Clicks what the Playwright selector finds in the site tab (shadow roots included), e.g. `role=button[name="Accept all"]`. */
const siteClick: BrowserCommand<[selector: string]> = async (_, selector) => {
  await site!.page.locator(selector).click();
};

/** Evaluates `expression` in the site tab, e.g. `kith.reset()`; resolves to its (awaited) value. */
const siteRun: BrowserCommand<[expression: string]> = (_, expression) => site!.page.evaluate(expression);

export const browserCommands = {
  serveScripts,
  cookies,
  screenshot,
  strictCspPage,
  zoom,
  siteOpen,
  siteState,
  siteClick,
  siteRun,
  siteClose,
};
