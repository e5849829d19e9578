import type { Context } from 'hono';
import sdkScript from '@kith/sdk/kith.js';
import { createApp } from '../app.ts';
import { ConfigError, devConfig, parseConfig, type KithConfig } from '../config.ts';
import type { ClientInfo } from '../deps.ts';
import { KithError, errorBody } from '../errors.ts';
import { createD1Storage, type D1Database } from '../storage/d1/index.ts';

/** The Worker's bindings (wrangler.toml: the D1 database, vars and secrets). */
export interface WorkersEnv {
  DB: D1Database;
  /** kith.config.json as a JSON string; without it, the dev site. */
  KITH_CONFIG?: string;
  KITH_ADMIN_TOKEN?: string;
  /** HMAC key for linker tokens ("wrangler secret put KITH_SECRET"); without it, a key per isolate. */
  KITH_SECRET?: string;
}

/** What Cloudflare's edge knows of the client (`request.cf`), as far as Kith uses it. */
interface EdgeGeo {
  country?: string;
  region?: string;
  city?: string;
}

type App = ReturnType<typeof createApp>;

// One app per isolate: bindings arrive with the first request; a failed start is retried by the next.
let started: Promise<App> | undefined;

export default {
  async fetch(request: Request, env: WorkersEnv, _ctx: unknown): Promise<Response> {
    let app: App;
    try {
      app = await (started ??= start(env));
    } catch (error) {
      started = undefined;
      return startFailure(error);
    }
    return app.fetch(request, env);
  },
};

async function start(env: WorkersEnv): Promise<App> {
  const storage = createD1Storage({ db: env.DB });
  await storage.migrate();
  const config = loadConfig(env.KITH_CONFIG);
  if (config.forward) console.warn('[kith] "forward" is not supported on Workers yet: events are stored in D1 but not forwarded; run a Node collector for NATS and webhooks.');
  return createApp({ storage, config, adminToken: adminToken(env.KITH_ADMIN_TOKEN),
    ...(env.KITH_SECRET ? { secret: env.KITH_SECRET } : {}), sdkScript, clientInfo: workersClientInfo });
}

/** The visitor's address from Cloudflare's CF-Connecting-IP, geo from `request.cf`. */
export function workersClientInfo(c: Context): ClientInfo {
  const address = c.req.header('cf-connecting-ip');
  const cf = (c.req.raw as Request & { cf?: EdgeGeo }).cf;
  const geo: EdgeGeo = {};
  for (const key of ['country', 'region', 'city'] as const) {
    const value = cf?.[key];
    if (typeof value === 'string' && value !== '') geo[key] = value;
  }
  return { ...(address ? { address } : {}), ...(Object.keys(geo).length > 0 ? { geo } : {}) };
}

function loadConfig(json: string | undefined): KithConfig {
  if (json === undefined || json.trim() === '') {
    console.warn('[kith] DEV MODE: no KITH_CONFIG, so one site with write key "dev" accepts http://localhost:* and http://127.0.0.1:*. Do not expose this.');
    return devConfig();
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(`KITH_CONFIG is not valid JSON (${(error as Error).message}); fix the syntax.`);
  }
  return parseConfig(raw, 'KITH_CONFIG');
}

function adminToken(token: string | undefined): string {
  if (token) return token;
  // A token nobody knows keeps the admin API shut; on Workers there is no console to print one to.
  console.warn('[kith] KITH_ADMIN_TOKEN is not set, so the admin API refuses every request; set it with "wrangler secret put KITH_ADMIN_TOKEN".');
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
