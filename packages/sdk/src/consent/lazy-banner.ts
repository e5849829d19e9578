// Most page views come from visitors who already chose: the script tag leaves the banner, its texts
// and styles out, and loads them from the collector (`/kith-banner.js`, an ES module, so a strict
// `script-src 'self'` allows it) only when the banner must be shown. The npm build keeps it inline.
import { afterFrame } from '../later.ts';
import * as inline from './banner.ts';
import type { BannerOptions } from './banner.ts';

export interface LazyBannerOptions extends BannerOptions {
  /** The collector's API, `{host}/v1/`: the banner module is next to its `/kith.js`. */
  collector: string;
}

/**
 * The banner module, from the collector whose API is `collector` (`{host}/v1/`). The browser fetches
 * it once per page: asking again, as `openBanner` does, gets the same module.
 */
export const loadBanner = (collector: string): Promise<typeof inline> =>
  // The chunk's name carries its hash, so a cached kith.js never meets a banner of another build.
  __KITH_BANNER_CHUNK__ ? import(collector + '../' + __KITH_BANNER_CHUNK__) : Promise.resolve(inline);

/**
 * Shows the banner once its module is there and the page has rendered a frame, as the banner itself
 * waits for: a module that arrives after that frame shows at once. Returns what closes it.
 */
export function openBanner(options: LazyBannerOptions): () => void {
  // What closes the banner once it is open; 0 once closed, so a module that arrives later opens nothing.
  let close: (() => void) | undefined | 0;
  let framed = false;
  afterFrame(() => (framed = true));
  void loadBanner(options.collector).then(({ openBanner }) => (close ??= openBanner({ ...options, framed })));
  return () => {
    if (close) close();
    close = 0;
  };
}
