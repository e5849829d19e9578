import { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { fileURLToPath } from 'node:url';
import { PAGES, renderPage, type ShopSite } from './pages.ts';

const root = fileURLToPath(new URL('./public', import.meta.url));

// A strict policy on purpose: the SDK and its banner must work without inline script or eval.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function shopRoutes(site: ShopSite = { writeKey: 'dev', linkerDomains: [] }) {
  const shop = new Hono();
  for (const path of Object.keys(PAGES)) {
    shop.get(path, (c) => c.html(renderPage(path, site, new URL(c.req.url))!, 200, { 'Content-Security-Policy': CSP }));
  }
  shop.get('/assets/*', serveStatic({ root }));
  return shop;
}
