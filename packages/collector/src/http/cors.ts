import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Env } from '../deps.ts';
import type { Sites } from '../sites.ts';

/**
 * Credentialed CORS for the public API, on every answer to an allowed origin (errors and 404s
 * included, so a page can read why it was refused): the Origin echoed, credentials allowed (the
 * SDK may send its device cookie to a collector on another origin of the same site), `Vary: Origin`.
 * Preflights allow whatever headers the client asks for (Segment's Authorization, RudderStack's
 * AnonymousId). The admin API is not for pages and gets none.
 */
export function publicCors(sites: Sites): MiddlewareHandler<Env> {
  const allowed = cors({
    origin: (origin) => (sites.anyAllowsOrigin(origin) ? origin : null),
    credentials: true,
    maxAge: 86400,
    // Clients back off by it on 429 and 503.
    exposeHeaders: ['Retry-After'],
  });
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined || c.req.path.startsWith('/v1/persons/') || !sites.anyAllowsOrigin(origin)) return next();
    return allowed(c, next);
  };
}
