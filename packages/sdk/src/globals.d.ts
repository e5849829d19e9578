/** Replaced at build time (esbuild and vitest `define`) with package.json's version. */
declare const __KITH_VERSION__: string;
/**
 * The script-tag build's banner module, `kith-banner.js?<hash>`, loaded from the collector only when
 * the banner is shown; '' in builds that keep the banner inline (npm).
 */
declare const __KITH_BANNER_CHUNK__: string;
