// Builds dist/kith.js (script tag), dist/index.js (npm, ESM) and the public declarations.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import pkg from './package.json' with { type: 'json' };

// Budgets guard against growth. Today's sizes (6,805 B and 4,246 B brotli) are still over the targets
// of 6 KB and 3 KB (see bench/RESULTS.md); moving the start off the page's own (a task later, the
// banner a frame later, the compile hint) took bytes the code then gave back; sending credentials to a
// collector on another origin of the site took 10 more. Lower them as it shrinks.
/** Everything in the script tag (banner, queue, identity, linker, Consent Mode, GPC), brotli-compressed. */
const BROTLI_BUDGET = 6810;
/** The same without the banner and its texts: what a site with its own consent UI would still need. */
const CORE_BROTLI_BUDGET = 4250;

const common = {
  bundle: true,
  target: 'es2022',

  define: { __KITH_VERSION__: JSON.stringify(pkg.version) },
} satisfies BuildOptions;

/** The script-tag bundle; the tests build it the same way. */
export const scriptBundle = {
  ...common,
  entryPoints: ['src/script.ts'],
  format: 'iife',
  minify: true,
  // Names of methods and options that only the SDK's own modules pass between them, shortened like
  // variables; none is public API, part of the wire format or a DOM name.
  mangleProps: /^(persist|forget|renew|restored|persists|onChoice|onDismiss|current)$/,
  // V8's explicit compile hint: every function is compiled with the script, off the main thread while
  // it streams in, instead of on the main thread at its first call (half the time kith.js took to run).
  banner: { js: '//# allFunctionsCalledOnLoad' },
} satisfies BuildOptions;

/** The banner's share of the bundle shows by building once more with its modules stubbed out. */
const withoutBanner: Plugin = {
  name: 'without-banner',
  setup(build) {
    build.onLoad({ filter: /[\\/]consent[\\/](banner|texts)\.ts$/ }, () => ({
      contents: 'export const openBanner = () => () => {}; export const bannerTexts = () => ({});',
      loader: 'ts',
    }));
  },
};

if (import.meta.main) {
  const dir = import.meta.dirname;
  rmSync(`${dir}/dist`, { recursive: true, force: true });
  await Promise.all([
    build({ ...scriptBundle, absWorkingDir: dir, outfile: 'dist/kith.js' }),
    build({ ...common, absWorkingDir: dir, entryPoints: ['src/index.ts'], format: 'esm', outfile: 'dist/index.js' }),
  ]);
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  execFileSync(process.execPath, [tsc, '-p', `${dir}/tsconfig.build.json`], { stdio: 'inherit' });

  const script = readFileSync(`${dir}/dist/kith.js`);
  const brotli = brotliCompressSync(script).length;
  console.log(`dist/kith.js: ${script.length} B min, ${gzipSync(script, { level: 9 }).length} B gzip, ${brotli} B brotli`);
  const { outputFiles } = await build({ ...scriptBundle, absWorkingDir: dir, write: false, plugins: [withoutBanner] });
  const core = outputFiles[0]!.contents;
  const coreBrotli = brotliCompressSync(core).length;
  console.log(`  core alone (banner and its texts stubbed out): ${core.length} B min, ${coreBrotli} B brotli`);
  // Every visitor downloads this file: growing past a budget fails the build, and so CI.
  for (const [what, size, budget] of [
    ['dist/kith.js', brotli, BROTLI_BUDGET],
    ['Its core without the banner', coreBrotli, CORE_BROTLI_BUDGET],
  ] as const) {
    if (size >= budget) {
      console.error(`${what} is ${size} B brotli, over its budget of ${budget} B: make it smaller.`);
      process.exitCode = 1;
    }
  }
}
