// What kith.js costs a visitor's CPU: the same page with and without the script tag, in Debian's
// Chromium at a 4x CPU throttle (a mid-range phone), read from Chromium's own metrics.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const THROTTLE = 4;
const script = readFileSync(fileURLToPath(new URL('../packages/sdk/dist/kith.js', import.meta.url)));

// The page marks when kith.js has run (script evaluation plus createKith) in a second, CSP-safe script.
const page = (withKith: boolean) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<script src="/mark-start.js"></script>${withKith ? '<script src="/kith.js" data-write-key="bench"></script>' : ''}<script src="/mark-end.js"></script>
</head><body><h1>Product</h1><p>${'Some text. '.repeat(200)}</p></body></html>`;

const files: Record<string, [string, string | Buffer]> = {
  '/with': ['text/html', page(true)],
  '/without': ['text/html', page(false)],
  '/kith.js': ['text/javascript', script],
  '/mark-start.js': ['text/javascript', "performance.mark('kith-start');"],
  '/mark-end.js': ['text/javascript', "performance.mark('kith-end');"],
  '/v1/batch': ['application/json', '{"ok":true,"accepted":0,"rejected":[]}'],
};

const server = createServer((req, res) => {
  const [type, body] = files[req.url ?? ''] ?? ['text/plain', 'not found'];
  res.writeHead(files[req.url ?? ''] ? 200 : 404, { 'Content-Type': type }).end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });

/** `returning`: the visitor chose "Accept all" before, so no banner is shown and the ID cookie exists. */
async function measure(path: string, returning: boolean) {
  const context = await browser.newContext();
  if (returning) {
    const seconds = Math.floor(Date.now() / 1000);
    await context.addCookies([
      { name: 'kith_consent', value: `v=1&a=1&m=1&t=${seconds}`, url: origin },
      { name: 'kith_aid', value: '7f9c2ba4-e88f-4d8e-9c4b-2d1a7a0b9e11', url: origin },
    ]);
  }
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  await cdp.send('Performance.enable');
  await tab.addInitScript(() => {
    (window as unknown as { longTasks: number[] }).longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => (window as unknown as { longTasks: number[] }).longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
  });
  await tab.goto(origin + path, { waitUntil: 'load' });
  await tab.waitForTimeout(200);
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  const inPage = await tab.evaluate(() => ({
    span: performance.measure('kith', 'kith-start', 'kith-end').duration,
    longTasks: (window as unknown as { longTasks: number[] }).longTasks,
  }));
  await context.close();
  return { script: metric('ScriptDuration') * 1000, heap: metric('JSHeapUsedSize'), ...inPage };
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
type Run = Awaited<ReturnType<typeof measure>>;
const runs: Record<string, Run[]> = { 'page without kith.js': [], 'kith.js, first visit (banner)': [], 'kith.js, returning visitor': [] };
for (let i = 0; i < RUNS; i++) {
  runs['page without kith.js']!.push(await measure('/without', false));
  runs['kith.js, first visit (banner)']!.push(await measure('/with', false));
  runs['kith.js, returning visitor']!.push(await measure('/with', true));
}
await browser.close();
server.close();

const summary = (runs: Run[]) => ({
  'script ms (median)': +median(runs.map((r) => r.script)).toFixed(2),
  'kith.js eval + init ms (median)': +median(runs.map((r) => r.span)).toFixed(2),
  'JS heap KB (median)': Math.round(median(runs.map((r) => r.heap)) / 1024),
  'long tasks (all runs)': runs.reduce((n, r) => n + r.longTasks.length, 0),
});
console.log(`Chromium, CPU throttled ${THROTTLE}x, ${RUNS} runs each; "eval + init" spans fetching and running the tag:`);
console.table(Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, summary(list)])));
