import { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./public', import.meta.url));

// A strict policy on purpose: the SDK and its banner must work without inline script or eval.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const pages: Record<string, string> = {
  '/': 'index.html',
  '/product/:sku': 'product.html',
  '/cart': 'cart.html',
  '/login': 'login.html',
  '/privacy': 'privacy.html',
  '/imprint': 'imprint.html',
};

export function shopRoutes() {
  const shop = new Hono();
  shop.use('*', async (c, next) => {
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/html')) c.res.headers.set('Content-Security-Policy', CSP);
  });
  for (const [path, file] of Object.entries(pages)) {
    shop.get(path, serveStatic({ root, path: file }));
  }
  shop.get('/assets/*', serveStatic({ root }));
  return shop;
}
