import type { Context } from 'hono';
import type { KithConfig } from './config.ts';
import type { Geo } from './pipeline/enrich.ts';
import type { Logger } from './observe/log.ts';
import type { Metrics } from './observe/metrics.ts';
import type { Storage } from './storage/storage.ts';
import type { AudienceEngine } from './audiences/engine.ts';

/** Everything a route needs; tests pass their own clock and ID generator. */
export interface AppDeps {
  storage: Storage;
  config: KithConfig;
  /** Bearer token of the admin API. */
  adminToken: string;
  /** The console's read-only sign-in (KITH_VIEWER_TOKEN): sees everything, cannot export or erase. */
  viewerToken?: string;
  /** The console's live view: pushed as server-sent events (Node), or polled (Workers, the default). */
  liveEvents?: 'push' | 'poll';
  /**
   * Signs linker tokens and console sessions (KITH_SECRET); every instance of a site needs the same. Without it each app
   * makes its own, and a token only holds on the instance that made it.
   */
  secret?: string;
  /** The SDK's script-tag bundle, served at /kith.js. */
  sdkScript: string;
  /** The SDK's banner module, which kith.js loads only to show the banner; served at /kith-banner.js. */
  sdkBanner: string;
  /** What the runtime knows of the client: its address (Node: the socket or a local proxy) and geo (Workers). */
  clientInfo?: (c: Context) => ClientInfo;
  clock?: () => Date;
  /** Evaluates audiences, computed traits and stages of the persons each stored batch touches (audiences/engine.ts). */
  audiences?: AudienceEngine;
  newId?: () => string;
  /** Structured logs (runtime/node-log.ts, or console JSON on Workers); without one, only errors, on the console. */
  log?: Logger;
  /** Request, event and storage metrics for /metrics; none on Workers. */
  metrics?: Metrics;
}

/** AppDeps with the defaults filled in, once, by createApp: what the route handlers get. */
export type ResolvedDeps = AppDeps & Required<Pick<AppDeps, 'clock' | 'newId'>>;

export function withDefaults(deps: AppDeps): ResolvedDeps {
  return { ...deps, clock: deps.clock ?? (() => new Date()), newId: deps.newId ?? (() => crypto.randomUUID()) };
}

export interface ClientInfo {
  address?: string;
  geo?: Geo;
}

export type Env = {
  Variables: {
    requestId: string;
    log: Logger;
    /** The site a write key named, for the access log. */
    site?: string;
    /** The write key a request sent, for the log when it is refused. */
    writeKey?: string;
    /** What an ingest request stored and refused, for the metrics. */
    ingested?: { accepted: number; refusedReasons: string[] };
    /** The client closed the connection before its request was read. */
    hungUp?: boolean;
  };
};
