// A shop's own server in front of the collector on Workers, as a Cloudflare path route puts it
// there: the shop's pages on its origin, the collector's paths passed on to the Worker.
import { createServer, type Server } from 'node:http';

export interface ShopPages {
  /** The HTML of `/`. */
  page: string;
  /** The page's own script at `/page.js` (the CSP-free shop may still keep script out of the HTML). */
  script: string;
}

export interface WorkerShop {
  url: string;
  stop(): Promise<void>;
}

export async function startShopInFrontOf(collector: string, pages: ShopPages): Promise<WorkerShop> {
  const server: Server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end(pages.page);
    if (path === '/page.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(pages.script);
    if (path !== '/kith.js' && !path.startsWith('/kith-banner.js?') && !path.startsWith('/v1/'))
      return res.writeHead(404).end();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = { 'CF-Connecting-IP': '203.0.113.9' };
    for (const name of ['cookie', 'content-type', 'origin', 'authorization'])
      if (req.headers[name]) headers[name] = String(req.headers[name]);
    const answer = await fetch(collector + path, {
      method: req.method,
      headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    const passed: Record<string, string | string[]> = { 'Set-Cookie': answer.headers.getSetCookie() };
    for (const name of ['content-type', 'cache-control', 'etag', 'retry-after']) {
      const value = answer.headers.get(name);
      if (value) passed[name] = value;
    }
    res.writeHead(answer.status, passed).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
