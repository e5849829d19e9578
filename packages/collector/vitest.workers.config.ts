import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { d1LockService } from './test/support/d1-lock.ts';
import { webhookOutbound } from './test/support/webhook-outbound.ts';

/** The secret of the test site's webhook (workers.workers.test.ts). */
const WEBHOOK_SECRET = 'worker-webhook-secret-0123456789';
const webhook = webhookOutbound(WEBHOOK_SECRET);

// Offline: no fetch of the `request.cf` template from Cloudflare, no usage metrics.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.WRANGLER_SEND_METRICS = 'false';

// The collector in workerd, the Workers runtime, with the Worker and bindings of wrangler.toml.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      remoteBindings: false,
      miniflare: {
        // The storage contract suite gets a database of its own, apart from the Worker's DB.
        d1Databases: { DB: 'kith-test-worker', CONTRACT_DB: 'kith-test-contract' },
        bindings: { KITH_ADMIN_TOKEN: 'test-admin-token' },
        // Runs in Node: holds a D1 database's file locked, so that the suite can cut the adapter off.
        // The Worker's outgoing requests (its webhooks) go to a receiver in Node, which the tests ask what came.
        serviceBindings: { D1_LOCK: d1LockService(), WEBHOOK_RECEIVER: webhook.control },
        outboundService: webhook.outbound,
      },
    }),
  ],
  test: {
    name: 'collector-workers',
    include: ['src/**/*.workers.test.ts', 'test/**/*.workers.test.ts'],
  },
});
