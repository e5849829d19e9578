import { Hono } from 'hono';
import { createApp } from '@kith/collector';
import { DEFAULT_STORAGE, createNodeDeps, listen } from '@kith/collector/node';
import { shopRoutes } from './shop.ts';

/** The demo shop and the collector on one origin, as a shop would run them. */
export async function startShop(options: {
  port: number;
  host: string;
  storage: string;
  adminToken?: string;
  viewerToken?: string;
  configPath?: string;
  secret?: string;
}) {
  const deps = await createNodeDeps({
    storage: options.storage,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    ...(options.viewerToken ? { viewerToken: options.viewerToken } : {}),
    ...(options.configPath ? { configPath: options.configPath } : {}),
    ...(options.secret ? { secret: options.secret } : {}),
  });
  const app = new Hono();
  // The pages' tag sends to the first site of the config (the dev site without one).
  const site = deps.config.sites[0]!;
  app.route('/', shopRoutes({ writeKey: site.writeKey, linkerDomains: site.linkerDomains, consoleUrl: '/console' }));
  app.route('/', createApp(deps));
  const server = await listen(app.fetch, { port: options.port, host: options.host });
  return {
    url: server.url,
    notices: deps.notices,
    close: async () => {
      await server.close();
      await deps.storage.close();
    },
  };
}

if (import.meta.main) {
  const storage = process.env.KITH_STORAGE ?? DEFAULT_STORAGE;
  const shop = await startShop({
    port: Number(process.env.PORT ?? process.env.KITH_PORT ?? 8787),
    host: process.env.HOST ?? 'localhost',
    storage,
    ...(process.env.KITH_ADMIN_TOKEN ? { adminToken: process.env.KITH_ADMIN_TOKEN } : {}),
    ...(process.env.KITH_VIEWER_TOKEN ? { viewerToken: process.env.KITH_VIEWER_TOKEN } : {}),
    ...(process.env.KITH_CONFIG ? { configPath: process.env.KITH_CONFIG } : {}),
    ...(process.env.KITH_SECRET ? { secret: process.env.KITH_SECRET } : {}),
  });
  const lines = [
    `demo shop and collector on ${shop.url} (storage ${storage})`,
    ...shop.notices,
    `console on ${shop.url}/console: sign in with the admin token (${process.env.KITH_ADMIN_TOKEN ? 'KITH_ADMIN_TOKEN' : 'printed above'})${process.env.KITH_VIEWER_TOKEN ? ', or read-only with KITH_VIEWER_TOKEN' : ''}`,
    `read what was stored: curl -H "Authorization: Bearer <token>" ${shop.url}/v1/persons/anonymous/<id>/events`,
  ];
  console.log(lines.map((line) => `kith: ${line}`).join('\n'));
  const stop = async () => {
    await shop.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
