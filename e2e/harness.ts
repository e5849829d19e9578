import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import type { StoredEvent } from '../packages/collector/src/storage/storage.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';

const SHOP_ENTRY = fileURLToPath(new URL('../examples/shop/serve.ts', import.meta.url));

export interface RunningShop {
  url: string;
  adminToken: string;
  /** The SQLite file the collector stores into. */
  dbPath: string;
  /** GET an admin path with the bearer token. */
  admin(path: string): Promise<Response>;
  /** All events stored for an ID, newest first, read through the admin API. */
  eventsOf(kind: 'user' | 'anonymous', id: string): Promise<StoredEvent[]>;
  /** Kills the process without warning (as a crash would) and starts it again on the same port and file. */
  crashAndRestart(downForMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the demo shop + collector as its own process (as `pnpm start` does) on a fresh SQLite file,
 * with the dev site or the given kith.config.json content.
 */
export async function startShop(options: { config?: object } = {}): Promise<RunningShop> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-e2e-'));
  const dbPath = join(dir, 'kith.db');
  const adminToken = `e2e-${Math.random().toString(36).slice(2)}`;
  const config: Record<string, string> = {};
  if (options.config) {
    writeFileSync(join(dir, 'kith.config.json'), JSON.stringify(options.config));
    Object.assign(config, {
      KITH_CONFIG: join(dir, 'kith.config.json'),
      KITH_SECRET: `secret-${Math.random().toString(36).slice(2)}`,
    });
  }
  const launch = (port: string) =>
    spawn(process.execPath, [SHOP_ENTRY], {
      env: {
        ...process.env,
        ...config,
        PORT: port,
        HOST: '127.0.0.1',
        KITH_STORAGE: `sqlite:${dbPath}`,
        KITH_ADMIN_TOKEN: adminToken,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  let child = launch('0');
  const url = await waitForUrl(child);
  const exit = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  return {
    url,
    adminToken,
    dbPath,
    admin: (path) => fetch(url + path, { headers: { Authorization: `Bearer ${adminToken}` } }),
    eventsOf: async (kind, id) => {
      const res = await fetch(`${url}/v1/persons/${kind}/${encodeURIComponent(id)}/events?limit=1000`, {
        headers: { Authorization: `Bearer ${adminToken}` },
      });
      return ((await res.json()) as { events: StoredEvent[] }).events;
    },
    crashAndRestart: async (downForMs = 0) => {
      await exit('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, downForMs));
      child = launch(new URL(url).port);
      await waitForUrl(child);
    },
    stop: async () => {
      await exit('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`shop did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/on (http:\/\/\S+)/);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`shop exited with ${code}:\n${output}`)));
  });
}

/** The shop process and a Chromium for one test file: started before its tests, stopped after. */
export function useShopInChromium(options: { config?: object; chromiumArgs?: (shopUrl: string) => string[] } = {}): {
  shop: RunningShop;
  browser: Browser;
} {
  const running = {} as { shop: RunningShop; browser: Browser };
  beforeAll(async () => {
    if (options.chromiumArgs) {
      // Arguments that name the shop's address wait for it.
      running.shop = await startShop(options);
      running.browser = await launchChromium(options.chromiumArgs(running.shop.url));
    } else {
      [running.shop, running.browser] = await Promise.all([startShop(options), launchChromium()]);
    }
  });
  afterAll(async () => {
    await running.browser?.close();
    await running.shop?.stop();
  });
  return running;
}

export const launchChromium = (extraArgs: string[] = []): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });

/** Every request the pages of a context make to the collector's API (fetch, beacon, anything). */
export function recordCollectorRequests(context: BrowserContext): Request[] {
  const seen: Request[] = [];
  context.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/v1/')) seen.push(request);
  });
  return seen;
}

/** What the page has put on the device: cookies, Web Storage and IndexedDB databases. */
export async function deviceStorage(page: Page) {
  const cookies = await page.context().cookies();
  const web = await page.evaluate(async () => ({
    localStorage: Object.keys(localStorage),
    sessionStorage: Object.keys(sessionStorage),
    indexedDB: (await indexedDB.databases()).map((db) => db.name),
  }));
  return { cookies: cookies.map((c) => c.name).sort(), ...web };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
