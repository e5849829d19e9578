// The Worker as wrangler bundles it, started in workerd: the workerd tests (*.workers.test.ts)
// import workers.ts as a module and would not see what only the bundle shows (an export workerd
// refuses as an entrypoint, a module that does not bundle).
import { describe, expect, it } from 'vitest';
import { startBundledWorker } from '../../test/support/worker.ts';

const WRITE_KEY = 'bundle-key';
const ADMIN_TOKEN = 'bundle-admin-token';

describe('the Worker as wrangler bundles it', () => {
  it('starts in workerd, stores a batch in D1, serves the SDK and answers the admin API', async () => {
    const worker = await startBundledWorker({
      KITH_ADMIN_TOKEN: ADMIN_TOKEN,
      KITH_CONFIG: JSON.stringify({ sites: [{ id: 'shop', writeKey: WRITE_KEY, origins: [] }] }),
    });
    try {
      const { url } = worker;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const script = await fetch(`${url}/kith.js`);
      expect(script.status).toBe(200);
      expect(await script.text()).toContain('kith');

      const batch = {
        batch: [
          {
            type: 'track',
            event: 'Product Added',
            messageId: 'bundle-1',
            anonymousId: 'bundle-anon',
            properties: { sku: 'kith-mug' },
          },
        ],
      };
      const stored = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { Authorization: `Basic ${btoa(`${WRITE_KEY}:`)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(batch),
      });
      expect(await stored.json()).toEqual({ ok: true, accepted: 1, rejected: [] });
      const events = await fetch(`${url}/v1/persons/anonymous/bundle-anon/events`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(await events.json()).toMatchObject({
        ok: true,
        events: [{ messageId: 'bundle-1', event: 'Product Added', site: 'shop' }],
      });
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
