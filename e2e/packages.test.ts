import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { eventually, launchChromium } from './harness.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('..', import.meta.url));
const PNPM = join(REPO, '.ci/pnpm');
// The repository's own esbuild and tsc build the shop's page, as a shop's build would.
const fromSdk = createRequire(join(REPO, 'packages/sdk/package.json'));
const esbuild = fromSdk('esbuild') as { build(options: Record<string, unknown>): Promise<unknown> };
const TSC = fromSdk.resolve('typescript/bin/tsc');

// What the package manager of the test run put in the environment would point the bin back here.
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|INIT_CWD|PNPM_)/i.test(name)));

let folder: string;
let collector: ChildProcess | undefined;
let pageServer: Server | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  // A shop's own folder, outside this repository.
  folder = mkdtempSync(join(tmpdir(), 'kith-adopt-'));
  for (const pkg of ['sdk', 'collector']) {
    await run(PNPM, ['pack', '--pack-destination', folder], { cwd: join(REPO, 'packages', pkg), env: process.env });
  }
  const tarballs = readdirSync(folder)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => join(folder, name));
  const shop = join(folder, 'shop');
  mkdirSync(shop);
  writeFileSync(join(shop, 'package.json'), JSON.stringify({ name: 'a-shop', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], {
    cwd: shop,
    env: cleanEnv(),
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  pageServer?.close();
  if (collector?.pid !== undefined && collector.exitCode === null) {
    const exited = new Promise((resolve) => collector!.once('exit', resolve));
    // The whole group: npx runs kith serve as a child of its own and does not pass SIGTERM on, so
    // stopping npx alone left the collector running after the tests.
    process.kill(-collector.pid, 'SIGTERM');
    await exited;
  }
  rmSync(folder, { recursive: true, force: true });
});

describe('the packages, installed with npm in a folder of their own', () => {
  it('ship built JavaScript, types, README and LICENSE, and the script-tag file', () => {
    const modules = join(folder, 'shop/node_modules/@kith');
    for (const file of [
      'README.md',
      'LICENSE',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/kith.js',
      'dist/contract.d.ts',
    ]) {
      expect(existsSync(join(modules, 'sdk', file)), `@kith/sdk/${file}`).toBe(true);
    }
    for (const file of ['README.md', 'LICENSE', 'dist/runtime/node.js', 'dist/app.d.ts', 'dist/cli.js']) {
      expect(existsSync(join(modules, 'collector', file)), `@kith/collector/${file}`).toBe(true);
    }
    const collectorPkg = JSON.parse(readFileSync(join(modules, 'collector/package.json'), 'utf8'));
    expect(collectorPkg.bin).toEqual({ kith: './dist/cli.js' });
    // Node strips no types under node_modules: every entry must be JavaScript.
    expect(JSON.stringify({ bin: collectorPkg.bin, exports: collectorPkg.exports })).not.toMatch(/[^d]\.ts"/);
  });

  it('runs "npx kith serve" with the folder’s kith.config.json, stores a batch, and a page built with the SDK sends to it', async () => {
    const shop = join(folder, 'shop');
    writeFileSync(
      join(shop, 'kith.config.json'),
      JSON.stringify({
        sites: [{ id: 'shop', writeKey: 'shop-key', origins: ['http://127.0.0.1:*'] }],
      }),
    );
    collector = spawn(
      'npx',
      [
        'kith',
        'serve',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--config',
        'kith.config.json',
        '--storage',
        'sqlite:./data/kith.db',
      ],
      {
        cwd: shop,
        env: { ...cleanEnv(), KITH_ADMIN_TOKEN: 'adopt-admin-token-0123' },
        // A process group of its own, so that afterAll stops npx and the collector it started.
        detached: true,
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      collector!.stdout!.on('data', (chunk) => {
        output += chunk;
        const match = output.match(/collector on (http:\/\/\S+)/);
        if (match?.[1]) resolve(match[1]);
      });
      collector!.stderr!.on('data', (chunk) => (output += chunk));
      collector!.once('exit', (code) => reject(new Error(`kith serve exited with ${code}:\n${output}`)));
    });
    // Relative paths are the current folder's: the database is in the shop's folder.
    expect(existsSync(join(shop, 'data/kith.db'))).toBe(true);

    const stored = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { Authorization: `Basic ${btoa('shop-key:')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        batch: [{ type: 'track', event: 'Order Completed', messageId: 'adopt-1', userId: 'customer-1042' }],
      }),
    });
    expect(await stored.json()).toEqual({ ok: true, accepted: 1, rejected: [] });
    expect((await fetch(`${url}/kith.js`)).status).toBe(200);

    // The shop's page: its own code imports the installed SDK, type-checked and bundled.
    writeFileSync(
      join(shop, 'page.ts'),
      [
        "import { createKith, type Kith } from '@kith/sdk';",
        "const collector = new URLSearchParams(location.search).get('collector')!;",
        "const kith: Kith = createKith({ writeKey: 'shop-key', host: collector });",
        'kith.consent.choose({ analytics: true });',
        "kith.track('Page Built', { with: 'the installed SDK' });",
        "kith.ready().then(() => { kith.flush(); document.title = kith.user().anonymousId ?? ''; });",
      ].join('\n'),
    );
    writeFileSync(
      join(shop, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          noEmit: true,
          types: [],
        },
        files: ['page.ts'],
      }),
    );
    await run(process.execPath, [TSC, '-p', shop], { cwd: shop });
    await esbuild.build({
      absWorkingDir: shop,
      entryPoints: ['page.ts'],
      bundle: true,
      format: 'esm',
      outfile: 'public/page.js',
      logLevel: 'error',
    });

    const html = '<!doctype html><title>shop</title><script type="module" src="/page.js"></script>';
    const script = readFileSync(join(shop, 'public/page.js'));
    pageServer = createServer((req, res) => {
      const isScript = req.url === '/page.js';
      res.writeHead(200, { 'Content-Type': isScript ? 'text/javascript' : 'text/html' }).end(isScript ? script : html);
    });
    await new Promise<void>((resolve) => pageServer!.listen(0, '127.0.0.1', resolve));
    const pagePort = (pageServer.address() as { port: number }).port;

    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${pagePort}/?collector=${encodeURIComponent(url)}`);
    const anonymousId = await eventually(async () => (await page.title()) || undefined);
    const events = await eventually(async () => {
      const res = await fetch(`${url}/v1/persons/anonymous/${anonymousId}/events?site=shop`, {
        headers: { Authorization: 'Bearer adopt-admin-token-0123' },
      });
      const body = res.ok ? ((await res.json()) as { events: { event?: string }[] }) : undefined;
      return body?.events.some((event) => event.event === 'Page Built') ? body.events : undefined;
    });
    expect(events).toEqual([
      expect.objectContaining({ event: 'Page Built', properties: { with: 'the installed SDK' } }),
    ]);
  }, 120_000);
});
