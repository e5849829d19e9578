// The collector's app in the bench's own process, wired as the Node runtime wires it, for benches
// that call it with `app.request` (no socket, no load generator sharing the cores).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../packages/collector/src/app.ts';
import { createNodeDeps } from '../packages/collector/src/runtime/node.ts';
import type { Storage } from '../packages/collector/src/storage/storage.ts';

export const SITE = 'bench';
export const WRITE_KEY = 'bench-key';
export const ADMIN_TOKEN = 'bench-admin-token-0123';

export interface InProcessCollector {
  app: ReturnType<typeof createApp>;
  storage: Storage;
}

/** The benches' kith.config.json, written in `dir`: one site, the shop's origin, rate limits off, plus `extra`. Returns its path. */
export function writeBenchConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const configPath = join(dir, 'kith.config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      sites: [{ id: SITE, writeKey: WRITE_KEY, origins: ['https://shop.example'] }],
      rateLimit: { perAddress: 0, perSite: 0 },
      ...extra,
    }),
  );
  return configPath;
}

/** A collector on `storage` (e.g. `sqlite:<file>`) with the benches' config (and `extra`), written in `dir`. */
export async function inProcessCollector(
  dir: string,
  storage: string,
  extra: Record<string, unknown> = {},
): Promise<InProcessCollector> {
  const deps = await createNodeDeps({ storage, configPath: writeBenchConfig(dir, extra), adminToken: ADMIN_TOKEN });
  // app.request has no socket: the address a runtime would report comes from here.
  return { app: createApp({ ...deps, clientInfo: () => ({ address: '198.51.100.23' }) }), storage: deps.storage };
}

/** Milliseconds of each call, sorted; stops after `count` calls, or after `maxSeconds` once it has `minSamples`. */
export async function timeEach(
  count: number,
  limits: { maxSeconds: number; minSamples: number },
  call: (n: number) => Promise<void>,
): Promise<number[]> {
  const times: number[] = [];
  const started = performance.now();
  for (let n = 0; n < count; n++) {
    if (n >= limits.minSamples && performance.now() - started > limits.maxSeconds * 1000) break;
    const sent = performance.now();
    await call(n);
    times.push(performance.now() - sent);
  }
  return times.sort((a, b) => a - b);
}

/** p50 and p99 of sorted milliseconds, to 0.01 ms. */
export const quantiles = (sortedMs: number[]) => ({ p50: percentile(sortedMs, 50), p99: percentile(sortedMs, 99) });

function percentile(sortedMs: number[], p: number): number {
  const at = sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))];
  return at === undefined ? NaN : Math.round(at * 100) / 100;
}

/** GETs an admin path; counts answers other than 200 by status in `failures`. */
export async function adminGet(
  app: InProcessCollector['app'],
  path: string,
  failures: Map<number, number>,
): Promise<void> {
  const response = await app.request(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await response.arrayBuffer();
  if (response.status !== 200) failures.set(response.status, (failures.get(response.status) ?? 0) + 1);
}

export const describeFailures = (failures: Map<number, number>) =>
  [...failures].map(([status, times]) => `${times}x ${status}`).join(', ') || 'none';
