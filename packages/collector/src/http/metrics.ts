import type { Context } from 'hono';
import type { AppDeps, Env } from '../deps.ts';
import { errorBody } from '../errors.ts';

/** GET /metrics: Prometheus' text format, from the runtime's recorder (prom-client on Node). */
export function metricsHandler(deps: AppDeps) {
  return async (c: Context<Env>) => {
    if (!deps.metrics) {
      return c.json(
        errorBody(
          'not_found',
          'This runtime keeps no Prometheus metrics (on Workers, use the Workers analytics of the Cloudflare dashboard).',
        ),
        404,
      );
    }
    const { contentType, body } = await deps.metrics.render();
    return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  };
}
