import { createApp } from '../../src/app.ts';
import { devConfig, parseConfig } from '../../src/config.ts';
import type { Logger } from '../../src/observe/log.ts';
import type { Metrics } from '../../src/observe/metrics.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';

export const ADMIN_TOKEN = 'test-admin-token';
export const SHOP_KEY = 'shop-key';

export interface TestAppOptions {
  /** The clock's time; tests that need time to pass move it. */
  clock?: () => Date;
  rateLimit?: { perAddress: number; perSite: number };
  /** Probabilistic stitching (off by default, as in the config). */
  stitching?: boolean;
  /** The client address the runtime would report (read per request from X-Test-Address). */
  addresses?: boolean;
  /** What to keep client addresses as, in storage and logs (default truncate). */
  ip?: 'truncate' | 'drop' | 'keep';
  log?: Logger;
  metrics?: Metrics;
}

/** A real app on a real (in-memory) SQLite, with a fixed clock for exact timestamps. */
export async function testApp(options: TestAppOptions = {}) {
  const now = new Date('2026-06-01T12:00:00.000Z');
  const storage = createSqliteStorage({ path: ':memory:' });
  await storage.migrate();
  const config = parseConfig({
    sites: [
      ...devConfig().sites,
      {
        id: 'shop',
        writeKey: SHOP_KEY,
        origins: ['https://shop.example', 'https://*.shop.example', 'https://shop-b.example'],
        linkerDomains: ['shop.example', 'shop-b.example'],
      },
    ],
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.stitching ? { stitching: true } : {}),
    ...(options.ip ? { ip: options.ip } : {}),
  });
  let ids = 0;
  const app = createApp({
    storage,
    config,
    adminToken: ADMIN_TOKEN,
    sdkScript: '/* kith test bundle */',
    sdkBanner: '/* kith test banner */',
    secret: 'test-secret',
    clock: options.clock ?? (() => now),
    newId: () => `server-id-${++ids}`,
    ...(options.addresses ? { clientInfo: (c) => ({ address: c.req.header('x-test-address') }) } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const basic = (writeKey: string) => ({ Authorization: `Basic ${btoa(`${writeKey}:`)}` });
  const admin = (path: string, token = ADMIN_TOKEN) =>
    app.request(path, { headers: { Authorization: `Bearer ${token}` } });

  return { app, storage, post, basic, admin };
}

export const trackEvent = (messageId: string, overrides: Record<string, unknown> = {}) => ({
  type: 'track',
  messageId,
  anonymousId: 'anon-1',
  event: 'Product Added',
  properties: { sku: 'kith-mug', price: 12 },
  timestamp: '2026-06-01T11:59:00.000Z',
  ...overrides,
});
