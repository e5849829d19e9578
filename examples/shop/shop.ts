import { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { fileURLToPath } from 'node:url';
import { PAGES, renderPage, type ShopSite } from './pages.ts';

const root = fileURLToPath(new URL('./public', import.meta.url));

// A strict policy on purpose: the SDK and its banner must work without inline script or eval.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function shopRoutes(site: ShopSite = { writeKey: 'dev', linkerDomains: [] }) {
  const shop = new Hono();
  const accounts = demoAccounts();
  for (const path of Object.keys(PAGES)) {
    shop.get(path, (c) => c.html(renderPage(path, site, new URL(c.req.url))!, 200, { 'Content-Security-Policy': CSP }));
  }
  shop.get('/assets/*', serveStatic({ root }));
  shop.post('/account/login', async (c) => {
    const { email } = (await c.req.json().catch(() => ({}))) as { email?: unknown };
    if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email.trim()))
      return c.json({ ok: false, message: 'Enter your e-mail address.' }, 400);
    return c.json({ ok: true, customerId: accounts.customerNumber(email.trim().toLowerCase()) });
  });
  return shop;
}

/**
 * The demo's stand-in for a shop's customer table: an account per e-mail address, numbered as it
 * is first seen. The number, not the address, is what the page gives Kith as the user ID.
 */
function demoAccounts() {
  const numbers = new Map<string, string>();
  return {
    customerNumber(email: string): string {
      let number = numbers.get(email);
      if (!number) numbers.set(email, (number = `C${10001 + numbers.size}`));
      return number;
    },
  };
}
