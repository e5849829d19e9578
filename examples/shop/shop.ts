import { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { fileURLToPath } from 'node:url';
import { PAGES } from './pages.ts';

const root = fileURLToPath(new URL('./public', import.meta.url));

// A strict policy on purpose: the SDK and its banner must work without inline script or eval.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function shopRoutes() {
  const shop = new Hono();
  for (const [path, html] of Object.entries(PAGES)) {
    shop.get(path, (c) => c.html(html, 200, { 'Content-Security-Policy': CSP }));
  }
  shop.get('/assets/*', serveStatic({ root }));
  return shop;
}
