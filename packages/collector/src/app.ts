import { Hono, type MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { withDefaults, type AppDeps, type Env } from './deps.ts';
import { KithError, errorBody, handleError } from './errors.ts';
import { consoleRoutes } from './console/index.ts';
import { createLiveFeed } from './console/live-feed.ts';
import { adminHandlers } from './http/admin.ts';
import { publicCors } from './http/cors.ts';
import { audienceHandlers } from './http/audiences.ts';
import { createDeviceBindings } from './http/device.ts';
import { figuresHandlers } from './http/figures.ts';
import { MAX_BATCH_BYTES, ingestHandlers } from './http/ingest.ts';
import { linkerHandlers } from './http/linker.ts';
import { readinessHandler } from './http/readiness.ts';
import { createRequestLimits } from './http/rate-limit.ts';
import { metricsHandler } from './http/metrics.ts';
import { sdkScriptHandler } from './http/sdk-script.ts';
import { RUDDERSTACK_BEACON_PATH, RUDDERSTACK_SOURCE_CONFIG_PATHS, rudderstackHandlers } from './http/rudderstack.ts';
import { SEGMENT_SHORT_PATHS, segmentHandlers } from './http/segment.ts';
import { observe } from './observe/observe.ts';
import { createSites } from './sites.ts';

export type { AppDeps } from './deps.ts';

/** The collector's routes; runtimes (runtime/node.ts, runtime/workers.ts) only wire I/O to this. */
export function createApp(given: AppDeps) {
  const deps = withDefaults(given);
  const sites = createSites(deps.config);
  const bindings = createDeviceBindings();
  const limits = createRequestLimits(deps);
  const live = createLiveFeed();
  const ingest = ingestHandlers(deps, sites, bindings, limits, live);
  const linker = linkerHandlers(deps, sites, limits);
  const admin = adminHandlers(deps, sites, bindings, live);
  const segment = segmentHandlers(sites);
  const rudderstack = rudderstackHandlers(sites);
  const audiences = audienceHandlers(deps, sites);
  const figures = figuresHandlers(deps, sites);
  const app = new Hono<Env>();

  app.use(requestId());
  app.use(observe(deps));
  app.onError(handleError);
  app.notFound((c) =>
    c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}; see the HTTP API in the README.`), 404),
  );

  // Before any route, so errors and 404s carry CORS too; it answers preflights itself.
  app.use('/v1/*', publicCors(sites));
  for (const path of [...RUDDERSTACK_SOURCE_CONFIG_PATHS, RUDDERSTACK_BEACON_PATH]) app.use(path, publicCors(sites));
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', readinessHandler(deps));
  app.get('/kith.js', sdkScriptHandler(deps.sdkScript));
  app.get('/kith-banner.js', sdkScriptHandler(deps.sdkBanner, { module: true }));

  const tooLarge = (): never => {
    throw new KithError(
      'payload_too_large',
      413,
      `A request body may be at most ${MAX_BATCH_BYTES / 1024} KB; send smaller batches.`,
    );
  };
  const publicApi = limitBody(MAX_BATCH_BYTES, tooLarge);
  app.post('/v1/batch', publicApi, ingest.batch);
  for (const type of ['track', 'page', 'identify', 'alias', 'group', 'screen'] as const) {
    app.post(`/v1/${type}`, publicApi, ingest.single(type));
  }
  // Segment's browser library (analytics-next): short paths, its batch path, its metrics, its settings.
  for (const [path, type] of Object.entries(SEGMENT_SHORT_PATHS))
    app.post(`/v1/${path}`, publicApi, ingest.single(type));
  app.post('/v1/b', publicApi, ingest.batch);
  app.post('/v1/m', segment.metrics);
  app.get('/v1/projects/:writeKey/settings', segment.settings);
  // RudderStack's browser SDK: its source configuration and its beacon path.
  for (const path of RUDDERSTACK_SOURCE_CONFIG_PATHS) app.get(path, rudderstack.sourceConfig);
  app.post(RUDDERSTACK_BEACON_PATH, publicApi, ingest.batch);
  app.post('/v1/linker', publicApi, linker.issue);
  app.post('/v1/linker/redeem', publicApi, linker.redeem);

  const hint = 'Send the admin token as "Authorization: Bearer <KITH_ADMIN_TOKEN>".';
  const unauthorized = { message: errorBody('unauthorized', hint) };
  const adminAuth = bearerAuth({
    token: deps.adminToken,
    noAuthenticationHeader: unauthorized,
    invalidAuthenticationHeader: { message: errorBody('invalid_request', hint) },
    invalidToken: unauthorized,
  });
  for (const path of ['/v1/persons/*', '/v1/audiences', '/v1/audiences/*']) app.use(path, adminAuth);
  app.get('/metrics', adminAuth, metricsHandler(deps));
  app.get('/v1/persons/:kind/:id', admin.person);
  app.get('/v1/persons/:kind/:id/events', admin.events);
  app.get('/v1/persons/:kind/:id/export', admin.export);
  app.delete('/v1/persons/:kind/:id', admin.erase);
  app.get('/v1/audiences', audiences.list);
  app.get('/v1/audiences/:key/members', audiences.members);

  app.route('/console', consoleRoutes(deps, sites, live, bindings));

  app.get('/v1/figures', adminAuth, figures.figures);
  app.get('/v1/predictions', adminAuth, figures.predictions);
  app.post('/v1/predictions/fit', adminAuth, figures.fit);

  return app;
}

/**
 * A body with a declared length is checked by that header alone (the runtime's HTTP parser holds
 * the body to it), so the body is read once, later, by the handler. Hono's bodyLimit would first
 * wrap it in a web stream and copy it, about a tenth of a batch's cost on Node. Chunked bodies, with no
 * length up front, still go through bodyLimit, which stops reading at the limit.
 */
function limitBody(maxSize: number, tooLarge: () => never): MiddlewareHandler<Env> {
  const streaming = bodyLimit({ maxSize, onError: tooLarge });
  return (c, next) => {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined || !/^\d+$/.test(length))
      return streaming(c, next);
    return Number(length) > maxSize ? tooLarge() : next();
  };
}
