// For tests: the Worker as wrangler bundles it (the file `wrangler deploy` ships), run in workerd on
// loopback with an in-memory D1, as `wrangler dev` would. Offline: no `request.cf` fetch, no metrics.
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';

export interface BundledWorker {
  /** Its origin, without a trailing slash. */
  url: string;
  stop(): Promise<void>;
}

export async function startBundledWorker(vars: Record<string, string>): Promise<BundledWorker> {
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  process.env.WRANGLER_SEND_METRICS = 'false';
  const worker = await unstable_startWorker({
    config: fileURLToPath(new URL('../../wrangler.toml', import.meta.url)),
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist: false, logLevel: 'error' },
    bindings: Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, { type: 'plain_text', value }])),
  });
  // A Worker workerd refuses never gets ready: wrangler prints why, and this says so in time.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () => reject(new Error('the Worker did not start within 30 s; wrangler printed why above')),
        30_000,
      )),
  );
  try {
    await Promise.race([worker.ready, late]);
  } catch (error) {
    await worker.dispose();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { url: String(await worker.url).replace(/\/$/, ''), stop: () => worker.dispose() };
}
