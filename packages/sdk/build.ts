// Builds dist/kith.js (script tag), dist/kith-banner.js (its banner, loaded when shown), dist/index.js
// (npm, ESM, banner inline) and the public declarations.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import pkg from './package.json' with { type: 'json' };

// The contract's budgets, 4.3 KB and 7.0 KB, in KB of 1,024 B as every size target here has been
// counted (bench/RESULTS.md: 6 KB was 6,144 B).
/**
 * What a returning visitor's page loads, brotli-compressed: kith.js, everything but the banner
 * (queue, identity, linker, Consent Mode, GPC, and the loader of the banner).
 */
const RETURNING_BROTLI_BUDGET = 4.3 * 1024;
/** What a first visit loads: kith.js and kith-banner.js (the banner, its texts and styles), each brotli-compressed. */
const FIRST_VISIT_BROTLI_BUDGET = 7 * 1024;

const common = {
  bundle: true,
  target: 'es2022',

  define: { __KITH_VERSION__: JSON.stringify(pkg.version), __KITH_BANNER_CHUNK__: '""' },
} satisfies BuildOptions;

const scriptTag = {
  ...common,
  minify: true,
  // Names of methods and options that only the SDK's own modules pass between them, shortened like
  // variables; none is public API, part of the wire format or a DOM name. kith.js and kith-banner.js
  // share the names through esbuild's mangle cache.
  mangleProps:
    /^(persist|forget|renew|restored|persists|onChoice|onDismiss|current|collector|framed|granted|adopt|decide|record)$/,
  // V8's explicit compile hint: every function is compiled with the script, off the main thread while
  // it streams in, instead of on the main thread at its first call (half the time kith.js took to run).
  banner: { js: '//# allFunctionsCalledOnLoad' },
} satisfies BuildOptions;

/** The script-tag bundle: a classic script, since the tag is one. */
export const scriptBundle = { ...scriptTag, entryPoints: ['src/script.ts'], format: 'iife' } satisfies BuildOptions;

/** The banner, its texts and styles: an ES module kith.js imports from the collector when it must show it. */
// A module is always read as UTF-8, so the German texts' umlauts need no escapes.
export const bannerChunk = {
  ...scriptTag,
  entryPoints: ['src/consent/banner.ts'],
  format: 'esm',
  charset: 'utf8',
} satisfies BuildOptions;

/** kith.js and kith-banner.js as they ship, in memory; the tests and the benches serve these. */
export async function buildScripts(root: string): Promise<{ script: string; banner: string }> {
  const banner = await build({ ...bannerChunk, absWorkingDir: root, write: false, mangleCache: {} });
  const { text, hash } = banner.outputFiles[0]!;
  // The script asks for the banner of its own build, whose mangled names it shares.
  const chunk = JSON.stringify(`kith-banner.js?${hash.slice(0, 8)}`);
  const script = await build({
    ...scriptBundle,
    absWorkingDir: root,
    write: false,
    mangleCache: banner.mangleCache,
    define: { ...scriptBundle.define, __KITH_BANNER_CHUNK__: chunk },
  });
  return { script: script.outputFiles[0]!.text, banner: text };
}

/** kith.js with the banner inside, as every visitor loaded it before it had a module of its own; bench:runtime compares the two. */
export async function buildInlineBannerScript(root: string): Promise<string> {
  return (await build({ ...scriptBundle, absWorkingDir: root, write: false })).outputFiles[0]!.text;
}

if (import.meta.main) {
  const dir = import.meta.dirname;
  rmSync(`${dir}/dist`, { recursive: true, force: true });
  mkdirSync(`${dir}/dist`);
  const [{ script, banner }] = await Promise.all([
    buildScripts(dir),
    build({ ...common, absWorkingDir: dir, entryPoints: ['src/index.ts'], format: 'esm', outfile: 'dist/index.js' }),
  ]);
  writeFileSync(`${dir}/dist/kith.js`, script);
  writeFileSync(`${dir}/dist/kith-banner.js`, banner);
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  execFileSync(process.execPath, [tsc, '-p', `${dir}/tsconfig.build.json`], { stdio: 'inherit' });

  const sizes = (source: string) => {
    const bytes = Buffer.from(source);
    return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotliCompressSync(bytes).length };
  };
  const returning = sizes(script);
  const chunk = sizes(banner);
  console.log(
    `dist/kith.js: ${returning.min} B min, ${returning.gzip} B gzip, ${returning.brotli} B brotli (a returning visitor's page)`,
  );
  console.log(
    `dist/kith-banner.js: ${chunk.min} B min, ${chunk.gzip} B gzip, ${chunk.brotli} B brotli (loaded only to show the banner)`,
  );
  // Every visitor downloads these: growing past a budget fails the build, and so CI.
  for (const [what, size, budget] of [
    ["A returning visitor's page (kith.js)", returning.brotli, RETURNING_BROTLI_BUDGET],
    ['A first visit (kith.js and kith-banner.js)', returning.brotli + chunk.brotli, FIRST_VISIT_BROTLI_BUDGET],
  ] as const) {
    if (size > budget) {
      console.error(`${what} loads ${size} B brotli, over its budget of ${Math.floor(budget)} B: make it smaller.`);
      process.exitCode = 1;
    }
  }
}
