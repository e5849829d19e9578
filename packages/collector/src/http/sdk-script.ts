import type { Context } from 'hono';
import type { Env } from '../deps.ts';

/**
 * GET /kith.js: the SDK bundle, revalidated by ETag so updates reach visitors within minutes. Also
 * GET /kith-banner.js (`module`): the banner, an ES module, which a browser fetches with CORS, so a
 * collector on another origin than the shop's page answers it for any origin (it is public and
 * fetched without credentials).
 */
export function sdkScriptHandler(source: string, { module = false } = {}) {
  let etag: Promise<string> | undefined;
  const computeEtag = async () => {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(source));
    return `"${btoa(String.fromCharCode(...new Uint8Array(digest).slice(0, 12)))}"`;
  };

  return async (c: Context<Env>) => {
    etag ??= computeEtag();
    const tag = await etag;
    const headers = {
      ETag: tag,
      'Cache-Control': 'public, max-age=300, stale-while-revalidate=86400',
      'X-Content-Type-Options': 'nosniff',
      ...(module ? { 'Access-Control-Allow-Origin': '*' } : {}),
    };
    const match = c.req.header('if-none-match');
    if (match?.split(',').some((t) => t.trim().replace(/^W\//, '') === tag)) return c.body(null, 304, headers);
    return c.body(source, 200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' });
  };
}
