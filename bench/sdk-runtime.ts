// What kith.js costs a visitor's CPU: the same page with and without the script tag, in Debian's
// Chromium at a 4x CPU throttle (a mid-range phone), read from Chromium's own metrics. A first visit
// is measured twice: with the banner in its own module, loaded from the collector when it must show
// (what ships), and with the banner inside kith.js (as it was before), to compare when it shows.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium.ts';
import { buildInlineBannerScript, buildScripts } from '../packages/sdk/build.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const THROTTLE = 4;
const sdk = fileURLToPath(new URL('../packages/sdk', import.meta.url));
const { script, banner } = await buildScripts(sdk);
/** kith.js with the banner bundled in: every visitor loaded it before. */
const inline = await buildInlineBannerScript(sdk);

// The page marks when kith.js has run (script evaluation plus createKith) in a second, CSP-safe script,
// and when the work the SDK defers past that is done: the stored choice read and applied (`ready()`),
// the banner in the page. Long tasks count over the whole visit, deferred work included.
const page = (kith?: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<script src="/mark-start.js"></script>${kith ? `<script src="${kith}" data-write-key="bench"></script>` : ''}<script src="/mark-end.js"></script>
</head><body><h1>Product</h1><p>${'Some text. '.repeat(200)}</p></body></html>`;

const files: Record<string, [string, string | Buffer]> = {
  '/with': ['text/html', page('/kith.js')],
  '/with-inline-banner': ['text/html', page('/kith-inline.js')],
  '/without': ['text/html', page()],
  '/kith.js': ['text/javascript', script],
  '/kith-banner.js': ['text/javascript', banner],
  '/kith-inline.js': ['text/javascript', inline],
  '/mark-start.js': ['text/javascript', "performance.mark('kith-start');"],
  '/mark-end.js': [
    'text/javascript',
    "performance.mark('kith-end');window.kith?.ready?.().then(()=>performance.mark('kith-ready'));",
  ],
  '/v1/batch': ['application/json', '{"ok":true,"accepted":0,"rejected":[]}'],
};

const server = createServer((req, res) => {
  const path = (req.url ?? '').split('?')[0]!;
  const [type, body] = files[path] ?? ['text/plain', 'not found'];
  res.writeHead(files[path] ? 200 : 404, { 'Content-Type': type }).end(body);
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
  // BENCH_FRAMES=1: what ran in each long frame with kith.js in it.
  if (process.env.BENCH_FRAMES)
    tab.on(
      'console',
      (message) => message.type() == 'debug' && console.log(returning ? 'returning:' : 'first visit:', message.text()),
    );
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  await cdp.send('Performance.enable');
  const trace: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', ({ value }) => trace.push(...(value as unknown as TraceEvent[])));
  const traced = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: ['devtools.timeline', 'toplevel'] },
  });
  await tab.addInitScript(() => {
    const page = window as unknown as { longTasks: number[]; kithFrames: number[] };
    // Per long frame with kith.js in it, the time its own scripts took (forced style and layout included).
    type Script = { sourceURL: string; invoker: string; duration: number; forcedStyleAndLayoutDuration: number };
    page.longTasks = [];
    page.kithFrames = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => page.longTasks.push(e.duration))).observe({
      type: 'longtask',
      buffered: true,
    });
    // A long animation frame names the scripts that ran in it (callbacks and promise reactions of 5 ms and more).
    new PerformanceObserver((list) => {
      for (const frame of list.getEntries() as (PerformanceEntry & { scripts: Script[] })[]) {
        const own = frame.scripts.filter((script) => /\/kith[-\w]*\.js/.test(script.sourceURL));
        if (!own.length) continue;
        page.kithFrames.push(own.reduce((sum, script) => sum + script.duration, 0));
        const scripts = frame.scripts.map(
          (script) =>
            `${script.invoker} ${Math.round(script.duration)} ms (layout ${Math.round(script.forcedStyleAndLayoutDuration)})`,
        );
        console.debug(`long frame, ${Math.round(frame.duration)} ms: ${scripts.join(', ')}`);
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
    new MutationObserver((_, observer) => {
      if (document.querySelector('kith-consent')) {
        performance.mark('kith-banner');
        observer.disconnect();
        // On screen in the frame after it was added: that frame's time, and how many frames the page had rendered before it.
        requestAnimationFrame((at) => {
          performance.mark('kith-banner-frame', { startTime: at });
          (window as unknown as { bannerFrame: number }).bannerFrame = frames;
        });
      }
    }).observe(document, { childList: true, subtree: true });
    let frames = 0;
    const count = () => {
      frames++;
      if (frames < 600) requestAnimationFrame(count);
    };
    requestAnimationFrame(count);
  });
  await tab.goto(origin + path, { waitUntil: 'load' });
  // Long enough for what waits for the load event (the stored queue is read then) to finish too.
  await tab.waitForTimeout(1000);
  await cdp.send('Tracing.end');
  await traced;
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  const inPage = await tab.evaluate(() => ({
    span: performance.measure('kith', 'kith-start', 'kith-end').duration,
    // From the start of the tag to the last of the deferred steps: ready() and, on a first visit, the banner shown.
    deferred: Math.max(
      ...['kith-ready', 'kith-banner'].map((mark) =>
        performance.getEntriesByName(mark).length ? performance.measure(mark, 'kith-start', mark).duration : 0,
      ),
    ),
    banner: performance.getEntriesByName('kith-banner-frame').length
      ? performance.measure('banner', 'kith-start', 'kith-banner-frame').duration
      : undefined,
    bannerFrame: (window as unknown as { bannerFrame?: number }).bannerFrame,
    longTasks: (window as unknown as { longTasks: number[] }).longTasks,
    kithFrames: (window as unknown as { kithFrames: number[] }).kithFrames,
  }));
  await context.close();
  return { script: metric('ScriptDuration') * 1000, heap: metric('JSHeapUsedSize'), ...inPage, ...mainThread(trace) };
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string; data?: { url?: string } };
}

/**
 * From the trace of the page's main thread: how long kith.js itself ran when the parser met it (its
 * compilation and createKith, no network wait), and the time all tasks took from the page's first
 * script on (the difference to the page without kith.js is what the SDK costs, deferred work included).
 */
function mainThread(trace: TraceEvent[]) {
  const scripts = trace.filter((event) => event.name == 'EvaluateScript' && event.args?.data?.url);
  const start = scripts.find((event) => event.args!.data!.url!.endsWith('/mark-start.js'))!;
  const onMain = (event: TraceEvent) => event.pid == start.pid && event.tid == start.tid;
  const evaluation = scripts.find((event) => onMain(event) && /\/kith(-inline)?\.js$/.test(event.args!.data!.url!));
  let busy = 0;
  let end = 0;
  for (const task of trace
    .filter(
      (event) => onMain(event) && event.name == 'ThreadControllerImpl::RunTask' && event.ts + event.dur! > start.ts,
    )
    .sort((a, b) => a.ts - b.ts)) {
    // Tasks nest: count each stretch of time once.
    busy += Math.max(0, task.ts + task.dur! - Math.max(task.ts, end));
    end = Math.max(end, task.ts + task.dur!);
  }
  return { evaluation: (evaluation?.dur ?? 0) / 1000, oneLiner: start.dur! / 1000, busy: busy / 1000 };
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
type Run = Awaited<ReturnType<typeof measure>>;
const BEFORE = 'before: banner inside kith.js, first visit';
const runs: Record<string, Run[]> = {
  'page without kith.js': [],
  [BEFORE]: [],
  'kith.js, first visit (banner module loaded)': [],
  'kith.js, returning visitor': [],
};
// Alternating, so that what else the machine runs meets each variant alike.
for (let i = 0; i < RUNS; i++) {
  runs['page without kith.js']!.push(await measure('/without', false));
  runs[BEFORE]!.push(await measure('/with-inline-banner', false));
  runs['kith.js, first visit (banner module loaded)']!.push(await measure('/with', false));
  runs['kith.js, returning visitor']!.push(await measure('/with', true));
}
await browser.close();
server.close();

const summary = (runs: Run[]) => ({
  'script ms (median)': +median(runs.map((r) => r.script)).toFixed(2),
  'kith.js eval + init ms (median)': +median(runs.map((r) => r.evaluation)).toFixed(2),
  // The same for the script before it, a single performance.mark(): how much the machine itself adds.
  'one-line script ms (median)': +median(runs.map((r) => r.oneLiner)).toFixed(2),
  'next script after ms (median)': +median(runs.map((r) => r.span)).toFixed(2),
  'deferred work done at ms (median)': +median(runs.map((r) => r.deferred)).toFixed(2),
  // The frame that first shows the banner: its time from the script before the tag, and the page's frame count then.
  'banner on screen at ms (median)': runs.some((r) => r.banner !== undefined)
    ? +median(runs.map((r) => r.banner ?? Infinity)).toFixed(1)
    : '',
  'banner in frame no. (median)': runs.some((r) => r.bannerFrame !== undefined)
    ? median(runs.map((r) => r.bannerFrame ?? Infinity))
    : '',
  'JS heap KB (median)': Math.round(median(runs.map((r) => r.heap)) / 1024),
  'main thread busy ms (median)': Math.round(median(runs.map((r) => r.busy))),
  'long frames with kith.js (all runs)': runs.reduce((n, r) => n + r.kithFrames.length, 0),
  // A long frame is often the page's own (parsing, load); what kith.js ran in it is the SDK's share.
  'kith.js in one, max ms': Math.round(Math.max(0, ...runs.flatMap((r) => r.kithFrames))),
  'frames with kith.js ≥ 50 ms (all runs)': runs.reduce((n, r) => n + r.kithFrames.filter((ms) => ms >= 50).length, 0),
  'long tasks (all runs)': runs.reduce((n, r) => n + r.longTasks.length, 0),
  'longest task ms': Math.round(Math.max(0, ...runs.flatMap((r) => r.longTasks))),
});
console.log(
  `Chromium, CPU throttled ${THROTTLE}x, ${RUNS} runs each. "eval + init": kith.js evaluated by the parser (from the trace);` +
    ` "next script after": from the script before the tag to the one after it (network and interleaved tasks included);` +
    ` "deferred work done at": from the script before the tag until ready() has resolved and a banner is in the page;` +
    ` "main thread busy": all tasks from the first script to a second after load; long frames and tasks over that time too,` +
    ` with what kith.js's own scripts took in each long frame it ran in:`,
);
console.table(Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, summary(list)])));
