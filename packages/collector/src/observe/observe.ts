import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppDeps, Env } from '../deps.ts';
import { KithError } from '../errors.ts';
import { applyIpMode } from '../pipeline/ip.ts';
import { consoleLogger, rateLimitedWarnings, type Logger } from './log.ts';

const quietLogger: Logger = { info: () => {}, warn: () => {}, error: consoleLogger.error };

// Refusals an operator must hear of: a page of the shop on an origin the config forgot, a wrong write key.
const REFUSALS_TO_REPORT = new Set(['forbidden_origin', 'unauthorized']);

/**
 * One access line per request (method, route, status, site, duration, request ID, and the client's
 * address only as the `ip` setting allows), refusals worth an operator's look, and the request
 * and event metrics. A client that hung up is this one line too, not an error.
 */
export function observe(deps: AppDeps): MiddlewareHandler<Env> {
  // Without a logger (tests, benches, an embedding app), only what goes wrong is told, on the console.
  const log = deps.log ?? quietLogger;
  const warnOnce = rateLimitedWarnings(() => log);
  return async (c, next) => {
    const started = performance.now();
    c.set('log', log);
    await next();
    // Nothing to record (tests, benches, an embedding app without a logger): only failures are told.
    if (!deps.log && !deps.metrics && !c.error) return;
    const seconds = (performance.now() - started) / 1000;
    const matched = routePath(c, -1);
    const route = matched === '*' || matched === '/*' ? 'unmatched' : matched;
    const status = c.res.status;
    const site = c.get('site');
    const hungUp = c.get('hungUp');
    if (deps.log || status >= 500) {
      const ip = applyIpMode(deps.clientInfo?.(c).address, deps.config.ip);
      const line = {
        method: c.req.method,
        route,
        status,
        ...(site ? { site } : {}),
        durationMs: Math.round(seconds * 10_000) / 10,
        requestId: c.get('requestId'),
        ...(ip ? { ip } : {}),
      };
      if (hungUp) log.info({ ...line, hungUp: true }, 'client hung up before the request was read');
      else if (status >= 500) log.error(line, 'request failed');
      else log.info(line, 'request');
    }

    if (
      c.error instanceof KithError &&
      REFUSALS_TO_REPORT.has(c.error.code) &&
      route.startsWith('/v1/') &&
      !route.startsWith('/v1/persons')
    ) {
      const origin = c.req.header('origin')?.slice(0, 200);
      // Enough of the key to tell which page sends it, not all of it.
      const writeKey = c.get('writeKey')?.slice(0, 6);
      const fields = {
        refused: c.error.code,
        route,
        ...(origin ? { origin } : {}),
        ...(writeKey ? { writeKey: `${writeKey}…` } : {}),
      };
      warnOnce(`${c.error.code}\n${origin ?? ''}\n${writeKey ?? ''}`, fields, c.error.message);
    }
    deps.metrics?.request({ method: c.req.method, route, status }, seconds);
    const ingested = c.get('ingested');
    if (deps.metrics && site && ingested) deps.metrics.events(site, ingested.accepted, ingested.refusedReasons);
  };
}
