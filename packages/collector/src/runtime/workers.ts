import type { Context } from 'hono';
import sdkScript from '@kith/sdk/kith.js';
import sdkBanner from '@kith/sdk/kith-banner.js';
import { createApp } from '../app.ts';
import { consoleLogger } from '../observe/log.ts';
import { ConfigError, type KithConfig } from '../config.ts';
import { loadConfig } from '../config-source.ts';
import type { ClientInfo } from '../deps.ts';
import { KithError, errorBody } from '../errors.ts';
import { startForwarder } from '../forward/forwarder.ts';
import { expireOld } from '../retention.ts';
import { refitAll, refitDue } from '../figures/schedule.ts';
import { RETENTION_CRON } from './crons.ts';
import { webhookDestination } from '../forward/webhook.ts';
import { createD1Storage, type D1Database } from '../storage/d1/index.ts';
import type { Storage } from '../storage/storage.ts';

/** The Worker's bindings (wrangler.toml: the D1 database, vars and secrets). */
export interface WorkersEnv {
  DB: D1Database;
  /** kith.config.json as a JSON string; without it, the dev site. */
  KITH_CONFIG?: string;
  KITH_ADMIN_TOKEN?: string;
  /** The console's read-only sign-in. */
  KITH_VIEWER_TOKEN?: string;
  /** HMAC key for linker tokens ("wrangler secret put KITH_SECRET"); without it, a key per isolate. */
  KITH_SECRET?: string;
}

/** What Cloudflare's edge knows of the client (`request.cf`), as far as Kith uses it. */
interface EdgeGeo {
  country?: string;
  region?: string;
  city?: string;
}

interface Started {
  app: ReturnType<typeof createApp>;
  storage: Storage;
  config: KithConfig;
}

/** What a scheduled handler may hand on: work that outlives the call. */
interface ScheduledContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** How long one cron run forwards at most; the next run, a minute later, goes on from the cursor. */
const FORWARD_RUN_MS = 25_000;

// One app per isolate: bindings arrive with the first request; a failed start is retried by the next.
let started: Promise<Started> | undefined;
const startOnce = (env: WorkersEnv) =>
  (started ??= start(env).catch((error: unknown) => {
    started = undefined;
    throw error;
  }));

export default {
  async fetch(request: Request, env: WorkersEnv, _ctx: unknown): Promise<Response> {
    let app: Started['app'];
    try {
      ({ app } = await startOnce(env));
    } catch (error) {
      return startFailure(error);
    }
    return app.fetch(request, env);
  },

  /** The cron triggers (wrangler.toml): each minute forwards to the webhooks, each hour expires old data. */
  async scheduled(controller: { cron: string }, env: WorkersEnv, ctx: ScheduledContext): Promise<void> {
    ctx.waitUntil(controller.cron === RETENTION_CRON ? expireStored(env) : forwardStored(env));
  },
};

async function start(env: WorkersEnv): Promise<Started> {
  const storage = createD1Storage({ db: env.DB });
  await storage.migrate();
  const config = loadConfig(env.KITH_CONFIG?.trim() ? env.KITH_CONFIG : undefined, 'KITH_CONFIG', (line) =>
    console.warn(`[kith] ${line}`),
  );
  if (config.forward?.nats)
    console.warn(
      '[kith] NATS needs a Node collector (Workers cannot hold its connection): events are stored in D1 but not sent to NATS. Webhooks are forwarded by the cron trigger.',
    );
  const app = createApp({
    storage,
    config,
    adminToken: adminToken(env.KITH_ADMIN_TOKEN),
    ...(env.KITH_SECRET ? { secret: env.KITH_SECRET } : {}),
    ...(env.KITH_VIEWER_TOKEN ? { viewerToken: env.KITH_VIEWER_TOKEN } : {}),
    sdkScript,
    sdkBanner,
    clientInfo: workersClientInfo,
    log: consoleLogger,
  });
  return { app, storage, config };
}

/** Retention (config "retentionDays"), on the hourly cron. */
async function expireStored(env: WorkersEnv): Promise<void> {
  const { storage, config } = await startOnce(env);
  if (config.retentionDays) await expireOld(storage, config.retentionDays, new Date());
  // Predictions ride on the same hourly cron, every refitHours hours.
  const now = new Date();
  if (refitDue(now, config.predictions.refitHours)) {
    await refitAll(
      storage,
      config.sites.map((site) => site.id),
      now,
      (message) => console.warn(`[kith] predictions: ${message}`),
    );
  }
}

/**
 * One run of every webhook forwarder, until nothing is left or the run's time is up. The lease
 * keeps overlapping runs (and other isolates) from sending the same events twice at once.
 */
async function forwardStored(env: WorkersEnv): Promise<void> {
  const { storage, config } = await startOnce(env);
  if (!config.forward || config.forward.webhooks.length === 0) return;
  const { webhooks, batchSize, pollMs, retry } = config.forward;
  const owner = `worker:${crypto.randomUUID()}`;
  const forwarders = webhooks.map((webhook) =>
    startForwarder({
      store: storage,
      destination: webhookDestination(webhook),
      owner,
      batchSize,
      pollMs,
      retry,
      drain: true,
    }),
  );
  const timeUp = setTimeout(() => forwarders.forEach((forwarder) => void forwarder.stop()), FORWARD_RUN_MS);
  await Promise.all(forwarders.map((forwarder) => forwarder.done));
  clearTimeout(timeUp);
  await Promise.all(forwarders.map((forwarder) => forwarder.stop()));
}

/** The visitor's address from Cloudflare's CF-Connecting-IP, geo from `request.cf`. (Not exported: every export of a Worker's main module is an entrypoint.) */
function workersClientInfo(c: Context): ClientInfo {
  const address = c.req.header('cf-connecting-ip');
  const cf = (c.req.raw as Request & { cf?: EdgeGeo }).cf;
  const geo: EdgeGeo = {};
  for (const key of ['country', 'region', 'city'] as const) {
    const value = cf?.[key];
    if (typeof value === 'string' && value !== '') geo[key] = value;
  }
  return { ...(address ? { address } : {}), ...(Object.keys(geo).length > 0 ? { geo } : {}) };
}

function adminToken(token: string | undefined): string {
  if (token) return token;
  // A token nobody knows keeps the admin API shut; on Workers there is no console to print one to.
  console.warn(
    '[kith] KITH_ADMIN_TOKEN is not set, so the admin API refuses every request; set it with "wrangler secret put KITH_ADMIN_TOKEN".',
  );
  return crypto.randomUUID() + crypto.randomUUID();
}

/** Before the app exists, its error handler does not either: answer in the same JSON shape. */
function startFailure(error: unknown): Response {
  if (error instanceof KithError) {
    console.error('[kith] could not start:', error.cause ?? error);
    return Response.json(errorBody(error.code, error.message), { status: error.status, headers: error.headers });
  }
  console.error('[kith] could not start:', error instanceof ConfigError ? error.message : error);
  return Response.json(
    errorBody('misconfigured', 'The collector cannot start; its operator finds why in the Worker logs.'),
    { status: 500 },
  );
}
