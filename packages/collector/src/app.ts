import { Hono, type MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { withDefaults, type AppDeps, type Env } from './deps.ts';
import { KithError, errorBody, handleError } from './errors.ts';
import { adminHandlers } from './http/admin.ts';
import { createDeviceBindings } from './http/device.ts';
import { figuresHandlers } from './http/figures.ts';
import { MAX_BATCH_BYTES, ingestHandlers } from './http/ingest.ts';
import { linkerHandlers } from './http/linker.ts';
import { sdkScriptHandler } from './http/sdk-script.ts';
import { createSites } from './sites.ts';

export type { AppDeps } from './deps.ts';

/** The collector's routes; runtimes (runtime/node.ts, runtime/workers.ts) only wire I/O to this. */
export function createApp(given: AppDeps) {
  const deps = withDefaults(given);
  const sites = createSites(deps.config);
  const bindings = createDeviceBindings();
  const ingest = ingestHandlers(deps, sites, bindings);
  const linker = linkerHandlers(deps, sites);
  const admin = adminHandlers(deps, sites, bindings);
  const figures = figuresHandlers(deps, sites);
  const app = new Hono<Env>();

  app.use(requestId());
  app.onError(handleError);
  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}; see the HTTP API in the README.`), 404));

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/kith.js', sdkScriptHandler(deps.sdkScript));

  const tooLarge = (): never => {
    throw new KithError('payload_too_large', 413, `A request body may be at most ${MAX_BATCH_BYTES / 1024} KB; send smaller batches.`);
  };
  const publicApi = [
    cors({ origin: (origin) => (sites.anyAllowsOrigin(origin) ? origin : null), credentials: true, maxAge: 86400 }),
    limitBody(MAX_BATCH_BYTES, tooLarge),
  ] as const;
  app.post('/v1/batch', ...publicApi, ingest.batch);
  for (const type of ['track', 'page', 'identify', 'alias', 'group', 'screen'] as const) {
    app.post(`/v1/${type}`, ...publicApi, ingest.single(type));
  }
  app.post('/v1/linker', ...publicApi, linker.issue);
  app.post('/v1/linker/redeem', ...publicApi, linker.redeem);
  app.options('/v1/*', publicApi[0]);

  const hint = 'Send the admin token as "Authorization: Bearer <KITH_ADMIN_TOKEN>".';
  const unauthorized = { message: errorBody('unauthorized', hint) };
  const adminOnly = bearerAuth({
    token: deps.adminToken,
    noAuthenticationHeader: unauthorized,
    invalidAuthenticationHeader: { message: errorBody('invalid_request', hint) },
    invalidToken: unauthorized,
  });
  app.use('/v1/persons/*', adminOnly);
  app.get('/v1/persons/:kind/:id', admin.person);
  app.get('/v1/persons/:kind/:id/events', admin.events);
  app.get('/v1/persons/:kind/:id/export', admin.export);
  app.delete('/v1/persons/:kind/:id', admin.erase);

  app.get('/v1/figures', adminOnly, figures.figures);
  app.get('/v1/predictions', adminOnly, figures.predictions);
  app.post('/v1/predictions/fit', adminOnly, figures.fit);

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
    if (length === undefined || c.req.header('transfer-encoding') !== undefined || !/^\d+$/.test(length)) return streaming(c, next);
    return Number(length) > maxSize ? tooLarge() : next();
  };
}
