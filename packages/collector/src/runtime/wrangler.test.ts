// The Worker as wrangler bundles it, the file `wrangler deploy` ships, started in workerd: the
// workerd tests (*.workers.test.ts) import workers.ts as a module and would not see what only the
// bundle shows (an export workerd refuses as an entrypoint, a module that does not bundle).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';

// Offline: no fetch of the `request.cf` template, no usage metrics.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.WRANGLER_SEND_METRICS = 'false';

const WRITE_KEY = 'bundle-key';
const ADMIN_TOKEN = 'bundle-admin-token';

describe('the Worker as wrangler bundles it', () => {
  it('starts in workerd, stores a batch in D1, serves the SDK and answers the admin API', async () => {
    const worker = await unstable_startWorker({
      config: fileURLToPath(new URL('../../wrangler.toml', import.meta.url)),
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist: false, logLevel: 'error' },
      bindings: {
        KITH_ADMIN_TOKEN: { type: 'plain_text', value: ADMIN_TOKEN },
        KITH_CONFIG: { type: 'plain_text', value: JSON.stringify({ sites: [{ id: 'shop', writeKey: WRITE_KEY, origins: [] }] }) },
      },
    });
    try {
      // A Worker workerd refuses never gets ready: wrangler prints why, the test says so in time.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the Worker did not start within 30 s; wrangler printed why above')), 30_000)));
      await Promise.race([worker.ready, late]).finally(() => clearTimeout(timer));
      const url = String(await worker.url).replace(/\/$/, '');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const script = await fetch(`${url}/kith.js`);
      expect(script.status).toBe(200);
      expect(await script.text()).toContain('kith');

      const batch = { batch: [{ type: 'track', event: 'Product Added', messageId: 'bundle-1', anonymousId: 'bundle-anon', properties: { sku: 'kith-mug' } }] };
      const stored = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { Authorization: `Basic ${btoa(`${WRITE_KEY}:`)}`, 'Content-Type': 'application/json' }, body: JSON.stringify(batch) });
      expect(await stored.json()).toEqual({ ok: true, accepted: 1, rejected: [] });
      const events = await fetch(`${url}/v1/persons/anonymous/bundle-anon/events`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(await events.json()).toMatchObject({ ok: true, events: [{ messageId: 'bundle-1', event: 'Product Added', site: 'shop' }] });
    } finally {
      await worker.dispose();
    }
  }, 60_000);
});
