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
import { createAudienceEngine, type AudienceEngine } from '../audiences/engine.ts';
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
  /** Undefined when no site defines traits, audiences or stages. */
  audiences?: AudienceEngine;
}

/** What a request or a cron run may hand on: work that outlives the call. */
interface WorkContext {
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
  async fetch(request: Request, env: WorkersEnv, ctx: WorkContext): Promise<Response> {
    let running: Started;
    try {
      running = await startOnce(env);
    } catch (error) {
      return startFailure(error);
    }
    const response = await running.app.fetch(request, env);
    // Audiences are evaluated after the answer, off the request path: the Worker lives on until they are.
    if (running.audiences) ctx.waitUntil(running.audiences.settled());
    return response;
  },

  /**
   * The cron triggers (wrangler.toml): each minute, audience changes that came due, forwarding to the
   * webhooks, then deleting delivered erasure exits; each hour, expiry of old data and a rebuild of audiences.
   */
  async scheduled(controller: { cron: string }, env: WorkersEnv, ctx: WorkContext): Promise<void> {
    ctx.waitUntil(
      controller.cron === RETENTION_CRON
        ? expireStored(env).then(() => rebuildAudiences(env))
        : runDueAudiences(env)
            .then(() => forwardStored(env))
            .then(() => purgeErasureExits(env)),
    );
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
  const engine = createAudienceEngine({
    storage,
    config,
    // An isolate has 128 MB: it holds a tenth of what a Node collector holds between evaluations.
    heldEvents: 10_000,
    log: (message, error) => console.error(`[kith] ${message}`, error),
  });
  const audiences = config.sites.some((site) => engine.definitions(site.id)) ? engine : undefined;
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
    ...(audiences ? { audiences } : {}),
  });
  return { app, storage, config, ...(audiences ? { audiences } : {}) };
}

/** Changes due by now for the persons this isolate evaluated (the ones it never saw come with the hourly rebuild). */
async function runDueAudiences(env: WorkersEnv): Promise<void> {
  await (await startOnce(env)).audiences?.runDue();
}

/**
 * Every person of every site evaluated from stored events, on the hourly cron: an isolate forgets
 * when its persons' windows run out, so time-based changes (a window that closes, "no order in 60
 * days") are made here at the latest, within the hour, with no new event.
 */
async function rebuildAudiences(env: WorkersEnv): Promise<void> {
  const { audiences, config } = await startOnce(env);
  if (!audiences) return;
  for (const site of config.sites) await audiences.rebuild(site.id);
}

/** Erasure exits every webhook has had are deleted (audiences/erasure.ts); NATS is not forwarded from Workers. */
async function purgeErasureExits(env: WorkersEnv): Promise<void> {
  const { storage, config } = await startOnce(env);
  await storage.purgeErasureExits((config.forward?.webhooks ?? []).map((webhook) => webhookDestination(webhook).id));
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
