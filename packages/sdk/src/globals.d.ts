/** Replaced at build time (esbuild and vitest `define`) with package.json's version. */
declare const __KITH_VERSION__: string;
